// The data-parallel learner, with ranks as threads of this process (DispoDistributed.LocalGroup): two ranks
// each given whole groups of a batch end with the weights of one learner given the whole batch, for every
// aggregation mode, with the ranks' shares contiguous or interleaved, with masked rollouts and a rank that
// holds nothing of a mini-batch. The same check runs over MPI processes in DispoDistributedTests.
//
// Tolerance: gradients are summed per rank and then across ranks rather than in one sequence, so the weights
// agree up to float rounding; after two AdamW steps at lr 1e-2 the relative L2 difference must be ≤ 1e-6
// (measured: 2e-8 … 1.4e-7). When every mini-batch lies on one rank the weights are bit-identical.
import DispoDistributed
import DispoEngine
import DispoLearner
import DispoLosses
import DispoSupport
import Foundation
import XCTest

final class DataParallelTests: XCTestCase {
    /// `groups` groups of three responses (lengths 1…5, one masked response in every other group, varied rewards).
    static func batch(groups: Int, model: Transformer) throws -> [Rollout] {
        var rng = SplitMix64(seed: 21)
        var out: [Rollout] = []
        for g in 0..<groups {
            let prompt: [TokenID] = [1, TokenID(2 + g % 9), 3]
            for i in 0..<3 {
                let response = (0..<(1 + (g + 2 * i) % 5)).map { _ in TokenID(rng.below(13)) }
                let scores = try model.forward(TokenBatch(sequences: [prompt + response], scoreFrom: [prompt.count]))
                let logp = (0..<response.count).map { scores.logProbs[prompt.count - 1 + $0] }
                let old = logp.map { min(0, $0 + Float(Double(rng.below(1000)) / 1000 - 0.5) * 0.6) }
                out.append(Rollout(promptIDs: prompt, responseIDs: response, oldLogProbs: old, reward: Double((g + i) % 3) - 0.5,
                                   group: .label("\(g)"), masked: g % 2 == 1 && i == 2))
            }
        }
        return out
    }

    static func config(_ mode: AggregationMode, miniBatches: Int) -> LearnerConfig {
        let objective = PolicyObjective(preset: .dispo)
        return LearnerConfig(objective: PolicyObjective(loss: objective.loss, aggregation: mode,
                                                        regularizers: Regularizers(entropyCoefficient: 0.01)),
                             miniBatches: miniBatches, microBatchSize: 2, aggregationConstant: 6,
                             optimizer: OptimizerConfig(schedule: LearningRateSchedule(kind: .constant, peak: 1e-2)))
    }

    static func weights(_ model: Transformer) -> [Float] {
        Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount))
    }

    /// Runs `steps` updates on each rank's share (rank r gets the rollouts of `shares[r]`, global indices) on
    /// threads joined by a LocalGroup; returns each rank's final weights and last metrics.
    static func runRanks(_ shares: [[Int]], batch: [Rollout], config: LearnerConfig, steps: Int,
                         passPositions: Bool) throws -> [(weights: [Float], metrics: [String: Double])] {
        let group = LocalGroup(size: shares.count, timeout: 30)
        final class Slot: @unchecked Sendable { var result: Result<([Float], [String: Double]), any Error>? }
        let slots = shares.map { _ in Slot() }
        let done = DispatchGroup()
        for (rank, communicator) in group.communicators.enumerated() {
            let slot = slots[rank], positions = shares[rank], mine = shares[rank].map { batch[$0] }
            done.enter()
            Thread {
                slot.result = Result {
                    let model = LearnerTests.tinyModel()
                    let learner = try Learner(model: model, config: config, communicator: communicator)
                    var metrics: [String: Double] = [:]
                    for _ in 0..<steps { metrics = try learner.update(mine, positions: passPositions ? positions : nil) }
                    return (weights(model), metrics)
                }
                if case .failure(let error) = slot.result! { group.abandon(rank: rank, reason: "\(error)") }
                done.leave()
            }.start()
        }
        done.wait()
        return try slots.map { try $0.result!.get() }
    }

    static func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
        let diff = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        let norm = b.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return diff / norm
    }

    func test_two_ranks_match_one_process_for_every_aggregation_mode() throws {
        let batch = try Self.batch(groups: 4, model: LearnerTests.tinyModel())
        // Contiguous shares with 1 and 2 mini-batches (with 2, each rank holds nothing of one mini-batch), and
        // interleaved groups passed as positions (each mini-batch split between the ranks).
        let layouts: [(shares: [[Int]], miniBatches: Int, positions: Bool)] = [
            ([Array(0..<6), Array(6..<12)], 1, false),
            ([Array(0..<6), Array(6..<12)], 2, false),
            ([Array(0..<3) + Array(6..<9), Array(3..<6) + Array(9..<12)], 2, true),
        ]
        for mode in AggregationMode.allCases {
            for layout in layouts {
                let config = Self.config(mode, miniBatches: layout.miniBatches)
                let single = LearnerTests.tinyModel()
                let learner = try Learner(model: single, config: config)
                var expected: [String: Double] = [:]
                for _ in 0..<2 { expected = try learner.update(batch) }
                let ranks = try Self.runRanks(layout.shares, batch: batch, config: config, steps: 2, passPositions: layout.positions)
                let what = "\(mode.rawValue), K=\(layout.miniBatches), positions=\(layout.positions)"
                XCTAssertEqual(ranks[0].weights, ranks[1].weights, "ranks must hold identical weights (\(what))")
                XCTAssertLessThanOrEqual(Self.relativeDifference(ranks[0].weights, Self.weights(single)), 1e-6, what)
                if layout.miniBatches == 2 && !layout.positions {
                    // Each mini-batch lies on one rank: its sum with the other rank's zeros is exact.
                    XCTAssertEqual(ranks[0].weights, Self.weights(single), "bit-identical (\(what))")
                }
                XCTAssertNotEqual(Self.weights(single), LearnerTests.tinyModel().parameters.buffer.map { $0 }, "the update moved the weights")
                for key in ["actor/pg_loss", "actor/grad_norm", "actor/entropy", "critic/advantages/mean", "critic/advantages/max",
                            "critic/score/mean", "dispo/clipfrac_pos_high", "dispo/ratio_pos_p50", "dispo/ratio_neg_p99"] {
                    XCTAssertEqual(ranks[0].metrics[key]!, expected[key]!, accuracy: 1e-5 * max(1, abs(expected[key]!)), "\(key) (\(what))")
                    XCTAssertEqual(ranks[0].metrics[key], ranks[1].metrics[key], "\(key) equal on both ranks (\(what))")
                }
            }
        }
    }

    func test_token_mean_divides_by_the_global_token_count() throws {
        // One rank holds a group with long responses, the other a group with short ones: a rank-local token-mean
        // would weight the short group's tokens more; the global one weights every token alike, like one process.
        let model = LearnerTests.tinyModel()
        var batch = try Self.batch(groups: 2, model: model)
        batch[0].responseIDs += [4, 5, 6, 7, 8, 9]
        batch[0].oldLogProbs += [Float](repeating: -2, count: 6)
        let config = LearnerConfig(objective: PolicyObjective(preset: .reinforce), optimizer: LearnerTests.sgd(lr: 1))
        let single = LearnerTests.tinyModel()
        _ = try Learner(model: single, config: config).update(batch)
        let ranks = try Self.runRanks([Array(0..<3), Array(3..<6)], batch: batch, config: config, steps: 1, passPositions: false)
        XCTAssertLessThanOrEqual(Self.relativeDifference(ranks[1].weights, Self.weights(single)), 1e-6)
    }

    func test_one_process_with_positions_computes_what_it_computed_without() throws {
        let batch = try Self.batch(groups: 3, model: LearnerTests.tinyModel())
        let config = Self.config(.seqMeanTokenMean, miniBatches: 2)
        let a = LearnerTests.tinyModel(), b = LearnerTests.tinyModel()
        let ma = try Learner(model: a, config: config).update(batch)
        let mb = try Learner(model: b, config: config).update(batch, positions: Array(0..<batch.count))
        XCTAssertEqual(Self.weights(a), Self.weights(b))
        XCTAssertEqual(ma, mb)
    }

    func test_positions_that_do_not_cover_the_batch_fail_on_every_rank() throws {
        let batch = try Self.batch(groups: 2, model: LearnerTests.tinyModel())
        let config = Self.config(.tokenMean, miniBatches: 1)
        XCTAssertThrowsError(try Self.runRanks([[0, 1, 2], [2, 3, 4]], batch: batch, config: config, steps: 1, passPositions: true)) {
            XCTAssertTrue("\($0)".contains("cover 0..<6 exactly once"), "\($0)")
        }
        XCTAssertThrowsError(try Self.runRanks([[0, 2, 1], [3, 4, 5]], batch: batch, config: config, steps: 1, passPositions: true)) {
            XCTAssertTrue("\($0)".contains("rank 0: global positions must be"), "\($0)")
        }
    }
}
