// The data-parallel pieces of the producing stages that need no second rank: which prompts each rank
// samples, which slots it learns on, and the wire form of a scored group, which must carry every field (the
// receiving rank records, filters and trains on exactly what the sampling rank scored).
@testable import DispoPipeline
import DispoDistributed
import DispoLearner
import DispoVerifier
import XCTest

final class GroupExchangeTests: XCTestCase {
    func test_rank_shares_are_contiguous_and_cover_the_batch_once() {
        for size in 1...4 {
            for count in 0...9 {
                let parts = (0..<size).map { RankShare(rank: $0, size: size).range(of: count) }
                XCTAssertEqual(parts.flatMap { Array($0) }, Array(0..<count), "\(count) prompts over \(size) ranks")
                XCTAssertLessThanOrEqual((parts.map(\.count).max() ?? 0) - (parts.map(\.count).min() ?? 0), 1)
            }
        }
        XCTAssertEqual(RankShare.whole.range(of: 5), 0..<5)
    }

    /// The learner's slots: every slot on exactly one rank, and every mini-batch (a contiguous range of the
    /// step's slots) split between the ranks within one slot — else ranks wait for each other at its all-reduce.
    func test_learner_slots_cover_the_step_once_and_balance_every_mini_batch() {
        for size in 1...4 {
            for count in 0...13 {
                let shares = (0..<size).map { RankShare(rank: $0, size: size).slots(of: count) }
                XCTAssertEqual(shares.flatMap { $0 }.sorted(), Array(0..<count), "\(count) slots over \(size) ranks")
                for share in shares { XCTAssertEqual(share, share.sorted()) }
                for k in 1...3 where count >= k {
                    for range in Learner.split(count, into: k) {
                        let held = shares.map { $0.filter(range.contains).count }
                        XCTAssertLessThanOrEqual(held.max()! - held.min()!, 1, "\(count) slots, \(size) ranks, mini-batch \(range)")
                    }
                }
            }
        }
        XCTAssertEqual(RankShare(rank: 1, size: 2).slots(of: 7), [1, 3, 5])
    }

    func test_a_scored_group_survives_the_wire_field_for_field() throws {
        let scorer = ResponseScorer()
        var first = ScoredResponse(tokens: [5, 6, -1, 70_000], logProbs: [-0.5, -1e-8, -.infinity, -3.25], stopped: true,
                                   score: scorer.score(response: "the answer is 4", gold: "4"), components: ["format": 0.5, "length": -0.25])
        first.score.repetition.loopPeriod = 3
        first.score.repetition.shortLoopCoverage = 0.75
        first.score.repetition.fewDistinct = true
        first.score.overlongPenalty = -0.125
        first.score.maskedFromLoss = true
        var second = ScoredResponse(tokens: [], logProbs: [], stopped: false, score: scorer.score(response: "", gold: "7"))
        second.score.truncated = true
        second.score.repetitionPenalty = -1
        let group = ScoredGroup(problem: Problem(index: 8123, id: "gsm8k-12 \"ü\"", prompt: [1, 2, 3], answer: "\\frac{1}{2}"),
                                version: 4, responses: [first, second])
        var writer = WireWriter()
        GroupWire.write(group, to: &writer)
        var reader = WireReader(writer.bytes, what: "test")
        let back = try GroupWire.read(&reader)
        try reader.end()
        XCTAssertEqual(back.problem, group.problem)
        XCTAssertEqual(back.version, 4)
        XCTAssertEqual(back.responses.count, 2)
        for (a, b) in zip(back.responses, group.responses) {
            XCTAssertEqual(a.tokens, b.tokens)
            XCTAssertEqual(a.logProbs, b.logProbs)
            XCTAssertEqual(a.stopped, b.stopped)
            XCTAssertEqual(a.score, b.score)
            XCTAssertEqual(a.components, b.components)
        }
        XCTAssertNotEqual(back.responses[0].score, back.responses[1].score)
        // A cut message is an error, not a shorter group.
        var short = WireReader(Array(writer.bytes.dropLast(3)), what: "cut")
        XCTAssertThrowsError(try GroupWire.read(&short))
    }
}
