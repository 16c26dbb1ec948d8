// The learner's data-parallel part. Each rank holds whole groups of the step's batch, so advantages (group-
// relative) are computed where the groups are. What must be global is reduced over ranks, in this fixed order
// per step (every rank issues the same collectives, also for a mini-batch of which it holds nothing):
//
//   learner.positions      all-gather of each rank's global positions (checked to cover 0 ..< B exactly once)
//   per mini-batch k:
//     learner.scale        all-reduce (sum) of the aggregation's normalisers: unmasked tokens and sequences
//                          with at least one, so token-mean divides by the global token count and the
//                          seq-mean-* modes by the global sequence count (AggregationScale)
//     learner.gradients    all-reduce (sum) of the gradient arena, before clipping and the optimizer step:
//                          the global norm, clipping and AdamW then run identically on every rank
//   learner.metrics        all-gather of the loss metrics (sums and counts, the samples of quantile metrics)
//                          and the advantage/reward sums
//
// With one process none of this runs and the learner computes exactly what it computed before. With N ranks
// the result equals one process on the whole batch up to float rounding: gradients are summed per rank and
// then across ranks instead of in one sequence (the tolerance is stated and tested in DispoLearnerTests).

import DispoDistributed
import DispoLosses

/// The step's loss metrics and advantage/reward statistics: this rank's, or after `gather`, the global ones.
struct StepSummary {
    var metrics: LossMetrics
    var advantageSum: Double
    var advantageMax: Double?
    var advantageMin: Double?
    var rewardSum: Double
    var count: Double

    init(metrics: LossMetrics, advantages: [Double], rewards: [Double]) {
        self.metrics = metrics
        advantageSum = advantages.reduce(0, +)
        advantageMax = advantages.max()
        advantageMin = advantages.min()
        rewardSum = rewards.reduce(0, +)
        count = Double(advantages.count)
    }
}

extension Learner {
    /// This rank's rollout index ranges of the step's K mini-batches (global range k of `Learner.split`).
    func miniBatchRanges(count: Int, positions: [Int]?) throws -> [Range<Int>] {
        let K = config.miniBatches
        guard communicator.size > 1 || positions != nil else {
            guard count >= K else { throw LossInputError(message: "\(count) rollouts cannot fill \(K) mini-batches") }
            return Self.split(count, into: K)
        }
        let (mine, total) = try globalPositions(count: count, positions: positions)
        guard total >= K else { throw LossInputError(message: "\(total) rollouts (all ranks) cannot fill \(K) mini-batches") }
        // Positions increase, so the rollouts of a global range are a contiguous run of this rank's.
        func firstIndex(atOrAfter position: Int) -> Int { mine.firstIndex { $0 >= position } ?? mine.count }
        return Self.split(total, into: K).map { firstIndex(atOrAfter: $0.lowerBound)..<firstIndex(atOrAfter: $0.upperBound) }
    }

    /// This rank's global positions and the global batch size. Every rank reaches the same verdict on the
    /// gathered positions, so a bad one throws on all ranks instead of leaving the others waiting.
    private func globalPositions(count: Int, positions: [Int]?) throws -> (mine: [Int], total: Int) {
        struct Share { var given: Bool; var valid: Bool; var positions: [Int]; var count: Int }
        let valid = positions.map { p in
            p.count == count && zip(p, p.dropFirst()).allSatisfy { $0 < $1 } && (p.first ?? 0) >= 0
        } ?? true
        var writer = WireWriter()
        writer.doubles([positions == nil ? 0 : 1, valid ? 1 : 0, Double(count)] + (positions ?? []).map(Double.init))
        let shares = try communicator.allGather(writer.bytes, label: "learner.positions").enumerated()
            .map { rank, bytes -> Share in
                var reader = WireReader(bytes, what: "learner positions from rank \(rank)")
                let v = try reader.doubles()
                try reader.end()
                guard v.count >= 3 else { throw CommunicatorError("learner positions from rank \(rank): malformed message") }
                return Share(given: v[0] == 1, valid: v[1] == 1, positions: v[3...].map { Int($0) }, count: Int(v[2]))
            }
        let total = shares.reduce(0) { $0 + $1.count }
        if let bad = shares.firstIndex(where: { !$0.valid }) {
            throw LossInputError(message: "rank \(bad): global positions must be one per rollout, non-negative and increasing")
        }
        guard shares.allSatisfy({ $0.given == shares[0].given }) else {
            throw LossInputError(message: "every rank passes global positions, or none does")
        }
        guard shares[0].given else {
            let offset = shares.prefix(communicator.rank).reduce(0) { $0 + $1.count }
            return (Array(offset..<(offset + count)), total)
        }
        guard shares.flatMap(\.positions).sorted() == Array(0..<total) else {
            throw LossInputError(message: "the ranks' global positions must together cover 0..<\(total) exactly once")
        }
        return (positions ?? [], total)
    }

    /// The aggregation normalisers over every rank's part of the mini-batch.
    func globalScale(_ local: AggregationScale) throws -> AggregationScale {
        guard communicator.size > 1 else { return local }
        let sums = try communicator.allReduce([local.tokens, local.sequences], op: .sum, label: "learner.scale")
        return AggregationScale(mode: local.mode, tokens: sums[0], sequences: sums[1], constant: local.constant)
    }

    /// Sums the gradient arena over ranks (in place).
    func reduceGradients() throws {
        guard communicator.size > 1 else { return }
        try communicator.allReduce(model.gradients.buffer, op: .sum, label: "learner.gradients")
    }

    /// The global step summary: every rank's metrics merged in rank order, sums added, extremes taken.
    func gather(_ local: StepSummary) throws -> StepSummary {
        var writer = WireWriter()
        let names = local.metrics.sums.keys.sorted()
        writer.int(names.count)
        for name in names {
            writer.string(name)
            writer.doubles([local.metrics.sums[name] ?? 0, local.metrics.counts[name] ?? 0])
        }
        let sampled = local.metrics.samples.keys.sorted()
        writer.int(sampled.count)
        for name in sampled {
            writer.string(name)
            writer.doubles((local.metrics.samples[name] ?? []).map(Double.init))
        }
        writer.doubles([local.advantageSum, local.rewardSum, local.count]
                       + [local.advantageMax, local.advantageMin].compactMap { $0 })
        var global = StepSummary(metrics: LossMetrics(), advantages: [], rewards: [])
        for (rank, bytes) in try communicator.allGather(writer.bytes, label: "learner.metrics").enumerated() {
            var reader = WireReader(bytes, what: "learner metrics from rank \(rank)")
            for _ in 0..<(try reader.count(itemBytes: 8)) {
                let name = try reader.string()
                let pair = try reader.doubles()
                guard pair.count == 2 else { throw CommunicatorError("learner metrics from rank \(rank): malformed metric \(name)") }
                global.metrics.add(name, pair[0], count: pair[1])
            }
            for _ in 0..<(try reader.count(itemBytes: 16)) {
                let name = try reader.string()
                global.metrics.addSamples(name, try reader.doubles().map(Float.init))
            }
            let stats = try reader.doubles()
            try reader.end()
            guard stats.count == 3 || stats.count == 5 else { throw CommunicatorError("learner metrics from rank \(rank): malformed summary") }
            global.advantageSum += stats[0]
            global.rewardSum += stats[1]
            global.count += stats[2]
            if stats.count == 5 {
                global.advantageMax = max(global.advantageMax ?? stats[3], stats[3])
                global.advantageMin = min(global.advantageMin ?? stats[4], stats[4])
            }
        }
        return global
    }
}
