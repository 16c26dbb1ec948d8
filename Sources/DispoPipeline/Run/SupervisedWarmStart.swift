// Supervised warm start: cross-entropy on worked solutions (shards whose loss mask covers the response),
// before RL, so that the policy starts with room to improve rather than from noise. Batches are drawn
// with a seeded cursor, so the warm start is reproducible. AdamW with linear warm-up, then constant.

import DispoEngine
import DispoLearner
import DispoShards
import DispoSupport

public struct SupervisedWarmStart {
    public let data: ShardSet
    public let steps: Int
    public let batchSize: Int
    public let lr: Double
    public let warmupSteps: Int
    public let seed: UInt64

    public init(data: ShardSet, steps: Int, batchSize: Int, lr: Double, warmupSteps: Int, seed: UInt64) {
        self.data = data
        self.steps = steps
        self.batchSize = batchSize
        self.lr = lr
        self.warmupSteps = warmupSteps
        self.seed = seed
    }

    /// Trains `model` in place; calls `progress(step, loss)` after each step. Returns the last loss.
    @discardableResult
    public func run(_ model: Transformer, progress: (Int, Double) -> Void = { _, _ in }) throws -> Double {
        let optimizer = Optimizer(model: model, config: OptimizerConfig(
            kind: .adamw, schedule: LearningRateSchedule(kind: .linearWarmup, peak: lr, warmupSteps: warmupSteps),
            gradClip: 1.0))
        var cursor = ShardCursor(seed: seed)
        var loss = 0.0
        model.zeroGradients()
        for step in 0..<steps {
            let records = try data.next(batchSize, &cursor).map(\.record)
            let batch = TokenBatch(sequences: records.map(\.tokens), scoreFrom: records.map(Self.firstScored))
            let scores = try model.forward(batch)
            loss = try model.backwardCrossEntropy(scores: scores)
            _ = try optimizer.apply(to: model)
            progress(step + 1, loss)
        }
        return loss
    }

    /// The first token the loss covers: the first masked-in token (or 1 when there is no mask).
    static func firstScored(_ record: TokenRecord) -> Int {
        guard let mask = record.lossMask, let first = mask.firstIndex(of: 1) else { return 1 }
        return max(1, first)
    }
}
