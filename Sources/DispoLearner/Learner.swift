// The learner: one policy update from a batch of rollouts. This is the computation the pipeline's learner
// stage runs each step, and what `dispo learn` replays offline.
//
// Per step: group-relative advantages over the whole batch; the batch split in file order into K
// mini-batches; per mini-batch, micro-batches of at most `microBatchSize` sequences each run forward
// (log π and entropy at the sampling temperature), the policy objective gives per-token coefficients
// (normalised over the whole mini-batch, so accumulation equals the unsplit mini-batch), backward
// accumulates gradients, and one optimizer update follows.
// Data-parallel (a communicator of several ranks, each given whole groups of the step's batch): the same
// step over the global batch — normalisers, gradients and metrics are reduced over ranks (DataParallel.swift).
//
// Legend: S sequences in a micro-batch, T padded length, N response tokens of a micro-batch.

import DispoDistributed
import DispoEngine
import DispoLosses
import DispoSupport

public struct LearnerConfig: Sendable, Equatable {
    public var objective: PolicyObjective
    public var normByStd = true
    public var miniBatches = 1
    public var microBatchSize = 16
    public var temperature: Float = 1
    /// Constant of `seq-mean-token-sum-norm` (the maximum response length).
    public var aggregationConstant = 1.0
    public var optimizer = OptimizerConfig()

    public init(objective: PolicyObjective, normByStd: Bool = true, miniBatches: Int = 1, microBatchSize: Int = 16,
                temperature: Float = 1, aggregationConstant: Double = 1, optimizer: OptimizerConfig = OptimizerConfig()) {
        self.objective = objective
        self.normByStd = normByStd
        self.miniBatches = miniBatches
        self.microBatchSize = microBatchSize
        self.temperature = temperature
        self.aggregationConstant = aggregationConstant
        self.optimizer = optimizer
    }
}

public final class Learner {
    public let model: Transformer
    public internal(set) var config: LearnerConfig
    public let optimizer: Optimizer
    /// The ranks this learner shares each step with (one process by default).
    public let communicator: any Communicator

    public init(model: Transformer, config: LearnerConfig, communicator: any Communicator = SingleProcessCommunicator()) throws {
        try config.objective.loss.validate()
        guard config.miniBatches >= 1, config.microBatchSize >= 1 else {
            throw LossInputError(message: "mini_batches and micro_batch_size must be at least 1")
        }
        self.model = model
        self.config = config
        self.communicator = communicator
        optimizer = Optimizer(model: model, config: config.optimizer)
    }

    /// Advantages of `rollouts` (one per rollout, group-relative over the whole batch).
    public func advantages(_ rollouts: [Rollout]) -> [Double] {
        var ids: [GroupKey: Int] = [:]
        let groups = rollouts.map { r in ids[r.group] ?? { ids[r.group] = ids.count; return ids.count - 1 }() }
        return Advantages.groupRelative(rewards: rollouts.map(\.reward), groups: groups, normByStd: config.normByStd)
    }

    /// One step: K optimizer updates. Returns the merged metrics of the step.
    ///
    /// With several ranks, `rollouts` is this rank's share of the step's batch (whole groups) and every rank
    /// calls `update` for the step. `positions` gives each rollout's index in the global batch (increasing;
    /// the ranks' positions together are 0 ..< global count); nil means the ranks' shares follow each other
    /// in rank order. Mini-batch k is range k of the global batch, as in one process.
    public func update(_ rollouts: [Rollout], positions: [Int]? = nil) throws -> [String: Double] {
        for (i, r) in rollouts.enumerated() where r.promptIDs.isEmpty || r.oldLogProbs.count != r.responseIDs.count {
            throw LossInputError(message: "rollout \(i): needs a non-empty prompt and one old log-prob per response token")
        }
        let miniBatchRanges = try self.miniBatchRanges(count: rollouts.count, positions: positions)
        let advantages = self.advantages(rollouts)
        var metrics = LossMetrics()
        var gradNorms = 0.0, lr = 0.0, skipped = 0
        for (k, range) in miniBatchRanges.enumerated() {
            let (loss, norm, rate, skip): (LossMetrics, Double, Double, Bool)
            do {
                (loss, norm, rate, skip) = try miniBatch(Array(rollouts[range]), advantages: Array(advantages[range]))
            } catch let error as NonFiniteError {
                throw NonFiniteError(message: "mini-batch \(k + 1) of \(config.miniBatches): \(error.message)")
            }
            metrics.merge(loss)
            if skip { skipped += 1 } else { gradNorms += norm }
            lr = rate
        }
        var summary = StepSummary(metrics: metrics, advantages: advantages, rewards: rollouts.map(\.reward))
        if communicator.size > 1 { summary = try gather(summary) }
        var values = summary.metrics.values
        values["actor/grad_norm"] = skipped == config.miniBatches ? .nan : gradNorms / Double(config.miniBatches - skipped)
        values["actor/nonfinite_skipped"] = Double(skipped)
        values["actor/lr"] = lr
        values["critic/advantages/mean"] = summary.advantageSum / summary.count
        values["critic/advantages/max"] = summary.advantageMax
        values["critic/advantages/min"] = summary.advantageMin
        values["critic/score/mean"] = summary.rewardSum / summary.count
        return values
    }

    /// log π of every response token under the current weights, at `temperature` (default: the learner's),
    /// forward only, in micro-batches: what the old log-probs are when the learner recomputes them.
    public func responseLogProbs(_ rollouts: [Rollout], temperature: Float? = nil) throws -> [[Float]] {
        var out: [[Float]] = []
        out.reserveCapacity(rollouts.count)
        let parts = (rollouts.count + config.microBatchSize - 1) / config.microBatchSize
        for range in Self.split(rollouts.count, into: max(1, parts)) where !range.isEmpty {
            let part = rollouts[range]
            let tokens = TokenBatch(sequences: part.map { $0.promptIDs + $0.responseIDs }, scoreFrom: part.map { $0.promptIDs.count })
            let scores = try model.forward(tokens, temperature: temperature ?? config.temperature)
            for (b, r) in part.enumerated() {
                let first = b * tokens.T + r.promptIDs.count - 1
                out.append((0..<r.responseIDs.count).map { scores.logProbs[first + $0] })
            }
        }
        return out
    }

    /// `count` items in `parts` contiguous ranges whose sizes differ by at most one (earlier ones larger).
    public static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        for p in 0..<parts {
            let size = count / parts + (p < count % parts ? 1 : 0)
            ranges.append(start..<(start + size))
            start += size
        }
        return ranges
    }

    private func miniBatch(_ rollouts: [Rollout], advantages: [Double]) throws -> (LossMetrics, Double, Double, Bool) {
        let micro = Self.split(rollouts.count, into: (rollouts.count + config.microBatchSize - 1) / config.microBatchSize)
        var batches = micro.map { policyBatch(rollouts[$0], advantages: advantages[$0]) }
        let scale = try globalScale(AggregationScale(mode: config.objective.aggregation, batches: batches,
                                                     constant: config.aggregationConstant))
        var metrics = LossMetrics()
        for (m, range) in micro.enumerated() {
            let part = Array(rollouts[range])
            let tokens = TokenBatch(sequences: part.map { $0.promptIDs + $0.responseIDs },
                                    scoreFrom: part.map { $0.promptIDs.count })
            let scores = try model.forward(tokens, temperature: config.temperature)
            gather(scores, part, T: tokens.T, into: &batches[m])
            let out = try config.objective.evaluate(batches[m], scale: scale)
            let (lp, ent) = scatter(out, part, T: tokens.T)
            try model.backward(logProbCoefficients: lp, entropyCoefficients: ent)
            metrics.merge(out.metrics)
        }
        try reduceGradients()
        let (norm, lr, skipped) = try optimizer.apply(to: model)
        return (metrics, norm, lr, skipped)
    }

    /// The policy batch of `rollouts` with log-probs still to be filled in by `gather`.
    private func policyBatch(_ rollouts: ArraySlice<Rollout>, advantages: ArraySlice<Double>) -> PolicyBatch {
        var starts = [0], old: [Float] = [], mask: [Float] = []
        for r in rollouts {
            old += r.oldLogProbs
            let keep: Float = r.masked ? 0 : 1
            mask += [Float](repeating: keep, count: r.responseIDs.count)
            starts.append(old.count)
        }
        return PolicyBatch(logProbs: [Float](repeating: 0, count: old.count), oldLogProbs: old, mask: mask,
                           sequenceStarts: starts, advantages: advantages.map { Float($0) },
                           correct: rollouts.map(\.correct), entropies: [Float](repeating: 0, count: old.count))
    }

    /// Response token j of sequence b is predicted at position (prompt length + j − 1).
    private func gather(_ scores: TokenScores, _ rollouts: [Rollout], T: Int, into batch: inout PolicyBatch) {
        for (b, r) in rollouts.enumerated() {
            let base = batch.sequenceStarts[b], first = b * T + r.promptIDs.count - 1
            for j in 0..<r.responseIDs.count {
                batch.logProbs[base + j] = scores.logProbs[first + j]
                batch.entropies?[base + j] = scores.entropies[first + j]
            }
        }
    }

    private func scatter(_ out: PolicyLossOutput, _ rollouts: [Rollout], T: Int) -> ([Float], [Float]?) {
        var lp = [Float](repeating: 0, count: rollouts.count * T)
        var ent: [Float]? = out.entropyCoefficients.map { _ in [Float](repeating: 0, count: rollouts.count * T) }
        var base = 0
        for (b, r) in rollouts.enumerated() {
            let first = b * T + r.promptIDs.count - 1
            for j in 0..<r.responseIDs.count {
                lp[first + j] = out.logProbCoefficients[base + j]
                if let e = out.entropyCoefficients { ent?[first + j] = e[base + j] }
            }
            base += r.responseIDs.count
        }
        return (lp, ent)
    }
}
