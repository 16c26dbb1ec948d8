// The `learner` scenario: with N ranks, a batch of 2N groups of three rollouts; each rank learns on its
// share and every rank also runs one learner on the whole batch in-process (the reference). For every
// aggregation mode and three layouts — contiguous shares with 1 and N mini-batches, and groups dealt round-robin
// (passed as global positions) with 2 mini-batches — after two AdamW steps the ranks hold identical weights
// (hash compared over MPI) within 1e-6 relative (L2) of the reference, and bit-identical to it when each
// mini-batch lies on one rank.

import DispoDistributed
import DispoEngine
import DispoLearner
import DispoLosses
import DispoSupport
import Foundation

struct LearnerChecks {
    let communicator: any Communicator
    var rank: Int { communicator.rank }
    var size: Int { communicator.size }

    init(_ communicator: any Communicator) { self.communicator = communicator }

    static func model() -> Transformer {
        let config = ModelConfig(modelType: "llama", vocabSize: 13, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2,
                                 numAttentionHeads: 4, numKeyValueHeads: 2)
        let model = Transformer(config: config)
        model.initializeRandom(seed: 5)
        return model
    }

    /// `groups` groups of three (lengths 1…5, a masked response in every other group, varied rewards).
    static func batch(groups: Int) throws -> [Rollout] {
        let model = Self.model()
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
        LearnerConfig(objective: PolicyObjective(loss: PolicyObjective(preset: .dispo).loss, aggregation: mode,
                                                 regularizers: Regularizers(entropyCoefficient: 0.01)),
                      miniBatches: miniBatches, microBatchSize: 2, aggregationConstant: 6,
                      optimizer: OptimizerConfig(schedule: LearningRateSchedule(kind: .constant, peak: 1e-2)))
    }

    func run() throws {
        let batch = try Self.batch(groups: 2 * size)
        let groupsOf = { (r: Int) in (0..<(2 * size)).filter { $0 % size == r } }
        let layouts: [(name: String, indices: [Int], miniBatches: Int, positions: Bool)] = [
            ("contiguous, 1 mini-batch", Array((6 * rank)..<(6 * rank + 6)), 1, false),
            ("contiguous, \(size) mini-batches", Array((6 * rank)..<(6 * rank + 6)), size, false),
            ("round-robin groups, 2 mini-batches", groupsOf(rank).flatMap { (3 * $0)..<(3 * $0 + 3) }, 2, true),
        ]
        for mode in AggregationMode.allCases {
            for layout in layouts {
                let config = Self.config(mode, miniBatches: layout.miniBatches)
                let reference = Self.model()
                let single = try Learner(model: reference, config: config)
                let model = Self.model()
                let learner = try Learner(model: model, config: config, communicator: communicator)
                for _ in 0..<2 {
                    _ = try single.update(batch)
                    _ = try learner.update(layout.indices.map { batch[$0] }, positions: layout.positions ? layout.indices : nil)
                }
                try compare(model, reference, what: "\(mode.rawValue), \(layout.name)", exact: layout.miniBatches == size && !layout.positions)
            }
        }
    }

    func compare(_ model: Transformer, _ reference: Transformer, what: String, exact: Bool) throws {
        let weights = UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount)
        let hash = XXH64.hash(UnsafeRawBufferPointer(weights))
        let hashes = try communicator.allGather(doubles: [Double(hash >> 11)], label: "check.weights")
        if !hashes.allSatisfy({ $0 == hashes[0] }) { fail(rank, "ranks hold different weights (\(what))") }
        let expected = UnsafeBufferPointer(start: reference.parameters.base, count: reference.parameterCount)
        var diff = 0.0, norm = 0.0
        for i in 0..<weights.count {
            diff += Double(weights[i] - expected[i]) * Double(weights[i] - expected[i])
            norm += Double(expected[i]) * Double(expected[i])
        }
        let relative = (diff / norm).squareRoot()
        if relative > 1e-6 || (exact && relative != 0) { fail(rank, "\(what): relative difference \(relative) from one process") }
        print("rank \(rank): ok learner \(what): ranks identical, relative difference from one process \(relative)")
    }
}
