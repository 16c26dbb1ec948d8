// The producing stages' part of a data-parallel run (several ranks, docs/SCALING.md). Every rank's prompt
// loader draws the same generation batches as one process would; each rank samples and scores only its
// share of a batch's prompts (`RankShare`, contiguous, so groups stay whole on one rank). The filter then
// all-gathers every rank's scored groups of the batch, in (step, index) order, so that every rank holds the
// whole batch — the groups one process would have scored — and dynamic sampling decides from it identically
// everywhere: every rank assembles the same step batch, and the learner trains each rank on its slots.
//
// Collectives must come in the same order on every rank, and the learner issues its own while the stages
// run ahead. So the filter exchanges the batches of step s only after the run has opened step s's turn
// (`open(step:)`), which the learner loop does once its collectives of step s − 1 are done: the order on
// every rank is  exchange(s, 0…i) → learner, metrics, evaluation of step s → exchange(s + 1, …) → …

import DispoChannels
import DispoDistributed
import DispoEngine
import DispoLearner
import DispoSupport
import DispoVerifier
import Foundation

/// Which prompts of each generation batch this rank samples: part `rank` of `size` contiguous parts.
public struct RankShare: Sendable, Equatable {
    public var rank: Int
    public var size: Int

    public static let whole = RankShare(rank: 0, size: 1)

    public init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// This rank's part of `count` items (sizes differ by at most one, earlier parts larger).
    public func range(of count: Int) -> Range<Int> { Learner.split(count, into: size)[rank] }

    /// The step-batch slots this rank learns on: every `size`-th slot from `rank` on. The learner's mini-batch
    /// k is range k of the global batch (as in one process), so contiguous parts would give all of mini-batch
    /// 1 to the first ranks and all of the last to the last ones — each rank would compute while the others
    /// wait in the gradient all-reduce. Interleaved, every mini-batch holds an equal share of every rank's.
    public func slots(of count: Int) -> [Int] { Array(stride(from: rank, to: count, by: size)) }
}

/// The exchange of scored groups between ranks, and the turns that keep it in order with the learner.
final class GroupExchange: Sendable {
    let communicator: any Communicator
    private let turns = AwaitableMap<Int, Bool>()

    init(communicator: any Communicator) { self.communicator = communicator }

    /// Lets the filter exchange the batches of `step` (the learner's collectives before it are done).
    func open(step: Int) { turns.set(step, true) }

    func fail(_ error: any Error) { turns.fail(error) }

    /// The whole batch from this rank's share of it: every rank's groups in rank order (= prompt order);
    /// sampling and scoring times are the slowest rank's.
    func global(_ local: ScoredBatch) async throws -> ScoredBatch {
        _ = try await turns.value(for: local.step)
        var writer = WireWriter()
        writer.doubles([local.sampleSeconds, local.verifySeconds])
        writer.int(local.groups.count)
        for group in local.groups { GroupWire.write(group, to: &writer) }
        let (label, bytes) = ("pipeline.groups", writer.bytes)
        let parts = try await communicator.detached { try $0.allGather(bytes, label: label) }
        var out = local
        out.groups = []
        out.sampleSeconds = 0
        out.verifySeconds = 0
        for (rank, bytes) in parts.enumerated() {
            var reader = WireReader(bytes, what: "scored groups of step \(local.step + 1), batch \(local.index) from rank \(rank)")
            let times = try reader.doubles()
            guard times.count == 2 else { throw CommunicatorError("scored groups from rank \(rank): malformed timings") }
            out.sampleSeconds = max(out.sampleSeconds, times[0])
            out.verifySeconds = max(out.verifySeconds, times[1])
            for _ in 0..<(try reader.count(itemBytes: 8)) { out.groups.append(try GroupWire.read(&reader)) }
            try reader.end()
        }
        return out
    }
}

/// A scored group as bytes (Wire), every field, so that the receiving rank holds exactly what the sampling
/// rank scored. Floats and token ids travel as doubles (exact).
enum GroupWire {
    static func write(_ group: ScoredGroup, to w: inout WireWriter) {
        w.int(group.problem.index)
        w.string(group.problem.id)
        w.doubles(group.problem.prompt.map(Double.init))
        w.string(group.problem.answer)
        w.int(group.version)
        w.int(group.responses.count)
        for r in group.responses {
            w.doubles(r.tokens.map(Double.init))
            w.doubles(r.logProbs.map(Double.init))
            let s = r.score, rep = s.repetition
            w.doubles([r.stopped ? 1 : 0, s.verdict.correct ? 1 : 0, s.verdict.extracted == nil ? 0 : 1, s.reward,
                       s.overlongPenalty, s.repetitionPenalty, s.truncated ? 1 : 0, s.maskedFromLoss ? 1 : 0,
                       rep.duplicateFraction, rep.loopPeriod.map(Double.init) ?? -1, rep.loopCoverage, rep.shortLoopCoverage,
                       rep.fewDistinct ? 1 : 0, rep.isRepetitive ? 1 : 0])
            w.string(s.verdict.extracted ?? "")
            w.string(s.verdict.reason)
            let names = r.components.keys.sorted()
            w.int(names.count)
            for name in names {
                w.string(name)
                w.double(r.components[name] ?? 0)
            }
        }
    }

    static func read(_ r: inout WireReader) throws -> ScoredGroup {
        let index = try r.int()
        let problem = Problem(index: index, id: try r.string(), prompt: try tokens(&r), answer: try r.string())
        let version = try r.int()
        var responses: [ScoredResponse] = []
        for _ in 0..<(try r.count(itemBytes: 8)) {
            let ids = try tokens(&r)
            let logProbs = try r.doubles().map(Float.init)
            let v = try r.doubles()
            guard v.count == 14 else { throw CommunicatorError("scored response: malformed fields") }
            let extracted = try r.string(), reason = try r.string()
            var components: [String: Double] = [:]
            for _ in 0..<(try r.count(itemBytes: 16)) {
                let name = try r.string()
                components[name] = try r.double()
            }
            // ResponseScore has no public memberwise initializer: start from a scored empty response and set
            // every field (all are public).
            var score = template
            score.verdict = Verdict(correct: v[1] == 1, extracted: v[2] == 1 ? extracted : nil, reason: reason)
            score.reward = v[3]
            score.overlongPenalty = v[4]
            score.repetitionPenalty = v[5]
            score.truncated = v[6] == 1
            score.maskedFromLoss = v[7] == 1
            score.repetition.duplicateFraction = v[8]
            score.repetition.loopPeriod = v[9] < 0 ? nil : Int(v[9])
            score.repetition.loopCoverage = v[10]
            score.repetition.shortLoopCoverage = v[11]
            score.repetition.fewDistinct = v[12] == 1
            score.repetition.isRepetitive = v[13] == 1
            responses.append(ScoredResponse(tokens: ids, logProbs: logProbs, stopped: v[0] == 1, score: score, components: components))
        }
        return ScoredGroup(problem: problem, version: version, responses: responses)
    }

    private static let template = ResponseScorer().score(response: "", gold: "")

    private static func tokens(_ r: inout WireReader) throws -> [TokenID] {
        try r.doubles().map { value in
            guard let id = TokenID(exactly: value) else { throw CommunicatorError("scored group: token id \(value) is not an integer id") }
            return id
        }
    }
}
