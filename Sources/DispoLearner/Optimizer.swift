// The learner's optimizer: AdamW (the engine's) or plain SGD, behind one small type, with the
// learning-rate schedule and global gradient-norm clipping. Numeric guard: a non-finite gradient norm stops
// the update before it touches the weights (an error, or with `skip` a skipped update that is counted), and
// an update that leaves any weight non-finite (e.g. a learning rate of 1e300) is an error — so a diverged
// step is never checkpointed or saved.

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
    /// What a non-finite gradient does: stop with an error (default), or skip that update (counted).
    public var onNonFinite = NonFinitePolicy.error

    public init(kind: Kind = .adamw, schedule: LearningRateSchedule = LearningRateSchedule(kind: .constant, peak: 1e-5),
                adamw: AdamWConfig = AdamWConfig(), sgdWeightDecay: Double = 0, gradClip: Double? = 1.0,
                onNonFinite: NonFinitePolicy = .error) {
        self.kind = kind
        self.schedule = schedule
        self.adamw = adamw
        self.sgdWeightDecay = sgdWeightDecay
        self.gradClip = gradClip
        self.onNonFinite = onNonFinite
    }
}

/// What a non-finite gradient does to an update. JSON names are the raw values.
public enum NonFinitePolicy: String, Codable, Sendable, CaseIterable {
    /// Stop with NonFiniteError.
    case error
    /// Skip the update (gradients zeroed, weights untouched) and count it.
    case skip
}

/// A gradient or an update was not finite.
public struct NonFiniteError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
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
    /// Returns the gradient norm before clipping, the learning rate used, and whether the update was skipped
    /// (a non-finite gradient under `skip`). Throws NonFiniteError as `onNonFinite` says.
    public func apply(to model: Transformer) throws -> (gradNorm: Double, lr: Double, skipped: Bool) {
        let norm = GradientClipping.globalNorm(model.gradients)
        guard norm.isFinite else {
            if config.onNonFinite == .skip {
                model.zeroGradients()
                return (norm, config.schedule.lr(step: step + 1), true)
            }
            throw NonFiniteError(message: "the gradient norm is \(norm.isNaN ? "NaN" : "\(norm)") (a non-finite loss or gradient); nothing was updated "
                                 + "(set optimizer.on_nonfinite to \"skip\" to skip such updates, or lower the learning rate)")
        }
        step += 1
        if let maxNorm = config.gradClip {
            let coef = Float(maxNorm / (Double(Float(norm)) + 1e-6))
            if coef < 1 {
                let g = model.gradients.base
                for i in 0..<model.gradients.count { g[i] *= coef }
            }
        }
        let lr = config.schedule.lr(step: step)
        if let adamw {
            adamw.update(parameters: model.parameters, gradients: model.gradients, lr: lr)
        } else {
            let p = model.parameters.base, g = model.gradients.base
            let rate = Float(lr), decay = Float(1 - lr * config.sgdWeightDecay)
            for i in 0..<model.parameters.count { p[i] = p[i] * decay - rate * g[i] }
        }
        model.zeroGradients()
        guard Self.allFinite(model.parameters.base, count: model.parameters.count) else {
            throw NonFiniteError(message: "update \(step) (learning rate \(lr)) made weights non-finite; "
                                 + "the learning rate is too high for this model")
        }
        return (norm, lr, false)
    }

    /// Whether every value is finite (x · 0 is NaN exactly for NaN and ±inf; eight lanes at a time).
    static func allFinite(_ p: UnsafeMutablePointer<Float>, count n: Int) -> Bool {
        var acc = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) * 0
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += p[i] * 0; i += 1 }
        return acc.sum() == 0 && tail == 0
    }

    /// Restores the step count (and AdamW state) saved with a checkpoint.
    public func restore(step: Int, adamwState path: String?) throws {
        self.step = step
        if let adamw, let path { try adamw.load(path: path) }
    }
}
