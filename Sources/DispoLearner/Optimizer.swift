// The learner's optimizer: AdamW (the engine's) or plain SGD, behind one small type, with the
// learning-rate schedule and global gradient-norm clipping.

import DispoEngine
import DispoSupport

public struct OptimizerConfig: Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case adamw, sgd }

    public var kind = Kind.adamw
    public var schedule = LearningRateSchedule(kind: .constant, peak: 1e-5)
    public var adamw = AdamWConfig()
    /// SGD's weight decay (AdamW's lives in `adamw`).
    public var sgdWeightDecay = 0.0
    /// Maximum global gradient norm; nil = no clipping.
    public var gradClip: Double? = 1.0

    public init(kind: Kind = .adamw, schedule: LearningRateSchedule = LearningRateSchedule(kind: .constant, peak: 1e-5),
                adamw: AdamWConfig = AdamWConfig(), sgdWeightDecay: Double = 0, gradClip: Double? = 1.0) {
        self.kind = kind
        self.schedule = schedule
        self.adamw = adamw
        self.sgdWeightDecay = sgdWeightDecay
        self.gradClip = gradClip
    }
}

public final class Optimizer {
    public let config: OptimizerConfig
    public let adamw: AdamW?
    /// Updates taken so far.
    public private(set) var step = 0

    public init(model: Transformer, config: OptimizerConfig) {
        self.config = config
        adamw = config.kind == .adamw ? AdamW(layout: model.layout, config: config.adamw) : nil
    }

    /// Clips the gradients, applies one update at the scheduled learning rate, zeroes the gradients.
    /// Returns (gradient norm before clipping, learning rate used).
    public func apply(to model: Transformer) -> (gradNorm: Double, lr: Double) {
        step += 1
        let norm = config.gradClip.map { GradientClipping.clip(model.gradients, maxNorm: $0) }
            ?? GradientClipping.globalNorm(model.gradients)
        let lr = config.schedule.lr(step: step)
        if let adamw {
            adamw.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
        } else {
            let p = model.parameters.base, g = model.gradients.base
            let rate = Float(lr), decay = Float(1 - lr * config.sgdWeightDecay)
            for i in 0..<model.parameters.count { p[i] = p[i] * decay - rate * g[i] }
        }
        model.zeroGradients()
        return (norm, lr)
    }

    /// Restores the step count (and AdamW state) saved with a checkpoint.
    public func restore(step: Int, adamwState path: String?) throws {
        self.step = step
        if let adamw, let path { try adamw.load(path: path) }
    }
}
