// The learner on a tiny random model: its gradient is the objective's (finite differences), micro-batching
// does not change the update, and repeated updates raise the log-probability of rewarded responses.
import DispoEngine
import DispoLosses
import DispoLearner
import DispoSupport
import XCTest

final class LearnerTests: XCTestCase {
    static func tinyModel(seed: UInt64 = 5) -> Transformer {
        let config = ModelConfig(modelType: "llama", vocabSize: 13, hiddenSize: 16, intermediateSize: 24, numHiddenLayers: 2,
                                 numAttentionHeads: 4, numKeyValueHeads: 2)
        let model = Transformer(config: config)
        model.initializeRandom(seed: seed)
        return model
    }

    /// Two groups of three responses each; old log-probs perturbed from the model's so that r ≠ 1.
    static func rollouts(_ model: Transformer, temperature: Float = 1) throws -> [Rollout] {
        var rng = SplitMix64(seed: 9)
        var out: [Rollout] = []
        for g in 0..<2 {
            let prompt: [TokenID] = [1, TokenID(2 + g), 3]
            for i in 0..<3 {
                let response = (0..<(2 + i)).map { _ in TokenID(rng.below(13)) }
                let scores = try model.forward(TokenBatch(sequences: [prompt + response], scoreFrom: [prompt.count]),
                                               temperature: temperature)
                let T = prompt.count + response.count
                let logp = (0..<response.count).map { scores.logProbs[prompt.count - 1 + $0] }
                _ = T
                let old = logp.map { $0 + Float(Double(rng.below(1000)) / 1000 - 0.5) * 0.6 }
                out.append(Rollout(promptIDs: prompt, responseIDs: response, oldLogProbs: old.map { min($0, 0) },
                                   reward: i == g ? 1 : -1, group: .label("\(g)")))
            }
        }
        return out
    }

    static func sgd(lr: Double = 1) -> OptimizerConfig {
        OptimizerConfig(kind: .sgd, schedule: LearningRateSchedule(kind: .constant, peak: lr), gradClip: nil)
    }

    /// The mini-batch loss at the model's current weights (what the learner differentiates).
    func loss(_ model: Transformer, _ rollouts: [Rollout], objective: PolicyObjective) throws -> Double {
        let learner = try Learner(model: model, config: LearnerConfig(objective: objective, optimizer: Self.sgd()))
        let adv = learner.advantages(rollouts)
        var starts = [0], logp: [Float] = [], old: [Float] = [], mask: [Float] = []
        for r in rollouts {
            let s = try model.forward(TokenBatch(sequences: [r.promptIDs + r.responseIDs], scoreFrom: [r.promptIDs.count]))
            logp += (0..<r.responseIDs.count).map { s.logProbs[r.promptIDs.count - 1 + $0] }
            old += r.oldLogProbs
            mask += [Float](repeating: 1, count: r.responseIDs.count)
            starts.append(logp.count)
        }
        let batch = PolicyBatch(logProbs: logp, oldLogProbs: old, mask: mask, sequenceStarts: starts, advantages: adv.map { Float($0) })
        return try objective.evaluate(batch, scale: AggregationScale(mode: objective.aggregation, batches: [batch])).loss
    }

    func test_gradient_matches_finite_differences_of_the_objective() throws {
        for objective in [PolicyObjective(preset: .reinforce), PolicyObjective(preset: .grpo)] {
            let model = Self.tinyModel()
            let rollouts = try Self.rollouts(model)
            // The update with SGD at lr 1 is θ − g: recover g.
            let before = Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount))
            let learner = try Learner(model: model, config: LearnerConfig(objective: objective, microBatchSize: 2, optimizer: Self.sgd()))
            _ = try learner.update(rollouts)
            let g = (0..<before.count).map { Double(before[$0] - model.parameters.base[$0]) }
            // Directional derivative along a random direction, by central differences in the weights.
            var rng = SplitMix64(seed: 3)
            let d = (0..<before.count).map { _ in Double(rng.below(2001)) / 1000 - 1 }
            let eps = 1e-3
            func lossAt(_ sign: Double) throws -> Double {
                for i in 0..<before.count { model.parameters.base[i] = before[i] + Float(sign * eps * d[i]) }
                return try loss(model, rollouts, objective: objective)
            }
            let numeric = (try lossAt(1) - lossAt(-1)) / (2 * eps)
            let analytic = zip(g, d).reduce(0) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(analytic, numeric, accuracy: 2e-3 * max(1, abs(numeric)), "\(objective.loss.kind)")
        }
    }

    func test_micro_batch_size_does_not_change_the_update() throws {
        var weights: [[Float]] = []
        for micro in [1, 4, 16] {
            let model = Self.tinyModel()
            let rollouts = try Self.rollouts(model)
            let config = LearnerConfig(objective: PolicyObjective(preset: .dispo), miniBatches: 2, microBatchSize: micro,
                                       optimizer: OptimizerConfig(schedule: LearningRateSchedule(kind: .constant, peak: 1e-2)))
            _ = try Learner(model: model, config: config).update(rollouts)
            weights.append(Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount)))
        }
        for w in weights.dropFirst() {
            let maxDiff = zip(w, weights[0]).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(maxDiff, 1e-5)
        }
    }

    func test_updates_raise_logprob_of_rewarded_responses() throws {
        let model = Self.tinyModel()
        let rollouts = try Self.rollouts(model).map { r -> Rollout in var r = r; r.oldLogProbs = r.oldLogProbs; return r }
        let rewarded = rollouts.filter { $0.reward > 0 }
        func meanLogProb() throws -> Double {
            try rewarded.map { r in
                let s = try model.forward(TokenBatch(sequences: [r.promptIDs + r.responseIDs], scoreFrom: [r.promptIDs.count]))
                return (0..<r.responseIDs.count).reduce(0.0) { $0 + Double(s.logProbs[r.promptIDs.count - 1 + $1]) }
            }.reduce(0, +)
        }
        let before = try meanLogProb()
        let learner = try Learner(model: model, config: LearnerConfig(
            objective: PolicyObjective(preset: .dispo),
            optimizer: OptimizerConfig(schedule: LearningRateSchedule(kind: .constant, peak: 3e-2))))
        var metrics: [String: Double] = [:]
        for _ in 0..<10 { metrics = try learner.update(rollouts) }
        XCTAssertGreaterThan(try meanLogProb(), before + 1)
        XCTAssertNotNil(metrics["actor/grad_norm"])
        XCTAssertEqual(learner.optimizer.step, 10)
    }

    func test_nonfinite_gradient_stops_before_any_weight_changes() throws {
        // Given a batch whose second group has a NaN reward (so NaN advantages and gradients)
        let model = Self.tinyModel()
        var batch = try Self.rollouts(model)
        for i in batch.indices where batch[i].group == .label("1") { batch[i].reward = .nan }
        let before = Array(model.parameters.buffer)
        let learner = try Learner(model: model, config: LearnerConfig(objective: PolicyObjective(preset: .dispo), optimizer: Self.sgd()))
        // When it updates, then it throws naming the mini-batch, and no weight changed
        XCTAssertThrowsError(try learner.update(batch)) { error in
            XCTAssertTrue("\(error)".contains("mini-batch 1 of 1: the gradient norm is NaN"), "\(error)")
        }
        XCTAssertEqual(Array(model.parameters.buffer), before)
        // With `skip`, the update is skipped and counted instead
        var skipping = Self.sgd()
        skipping.onNonFinite = .skip
        let tolerant = try Learner(model: model, config: LearnerConfig(objective: PolicyObjective(preset: .dispo), optimizer: skipping))
        let metrics = try tolerant.update(batch)
        XCTAssertEqual(metrics["actor/nonfinite_skipped"], 1)
        XCTAssertEqual(Array(model.parameters.buffer), before)
        XCTAssertEqual(tolerant.optimizer.step, 0)
    }

    func test_update_that_makes_weights_nonfinite_is_an_error() throws {
        let model = Self.tinyModel()
        let learner = try Learner(model: model, config: LearnerConfig(objective: PolicyObjective(preset: .dispo), optimizer: Self.sgd(lr: 1e300)))
        XCTAssertThrowsError(try learner.update(try Self.rollouts(model))) { error in
            XCTAssertTrue("\(error)".contains("made weights non-finite"), "\(error)")
        }
    }

    func test_split_is_contiguous_and_even() {
        XCTAssertEqual(Learner.split(10, into: 3), [0..<4, 4..<7, 7..<10])
        XCTAssertEqual(Learner.split(4, into: 4), [0..<1, 1..<2, 2..<3, 3..<4])
    }
}
