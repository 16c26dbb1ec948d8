// AdamW (Loshchilov & Hutter 2019: decoupled weight decay; Kingma & Ba 2015: bias correction), global
// gradient-norm clipping, and learning-rate schedules. The update follows torch.optim.AdamW step by step in
// fp32 so one step matches PyTorch to rounding:
//   θ ← θ·(1 − lr·λ);  m ← m + (1−β₁)(g − m);  v ← β₂v + (1−β₂)g²
//   θ ← θ − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
// Moments m and v are arenas laid out like the parameters; their state saves to one file for exact resume.
// Dimension legend: P parameter count.

import DispoSupport
import Foundation

public struct AdamWConfig: Codable, Sendable, Equatable {
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var eps: Double = 1e-8
    public var weightDecay: Double = 0.0
    /// Apply weight decay to norm weights and biases too (torch's default single param group does).
    public var decayOneDimensional: Bool = false

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0,
                decayOneDimensional: Bool = false) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.decayOneDimensional = decayOneDimensional
    }

    enum CodingKeys: String, CodingKey {
        case beta1, beta2, eps, weightDecay = "weight_decay", decayOneDimensional = "decay_one_dimensional"
    }
}

public final class AdamW {
    public let config: AdamWConfig
    public let layout: ParameterLayout
    public let m: Arena                 // (P) first moment
    public let v: Arena                 // (P) second moment
    public private(set) var step = 0    // updates done

    public init(layout: ParameterLayout, config: AdamWConfig) {
        self.layout = layout
        self.config = config
        m = Arena(count: layout.count)
        v = Arena(count: layout.count)
    }

    /// One update of `parameters` (P) from `gradients` (P) at learning rate `lr`.
    public func update(parameters: Arena, gradients: Arena, lr: Double) {
        precondition(parameters.count == layout.count && gradients.count == layout.count, "AdamW: arena size mismatch")
        step += 1
        let b1 = Float(config.beta1), b2 = Float(config.beta2), eps = Float(config.eps)
        let stepSize = Float(lr / (1 - pow(config.beta1, Double(step))))
        let bc2Sqrt = Float((1 - pow(config.beta2, Double(step))).squareRoot())
        let decayed = Float(1 - lr * config.weightDecay)
        for view in layout.tensors {
            let decay = config.decayOneDimensional || !ParameterLayout.isOneDimensional(view) ? decayed : 1
            let p = parameters[view.offset], g = gradients[view.offset], mm = m[view.offset], vv = v[view.offset]
            for i in 0..<view.count {
                let gi = g[i]
                p[i] *= decay
                mm[i] += (1 - b1) * (gi - mm[i])
                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                p[i] -= stepSize * mm[i] / (vv[i].squareRoot() / bc2Sqrt + eps)
            }
        }
    }

    // MARK: state file: magic "DSPADAMW", u32 version 1, u32 0, u64 step, u64 P, m (P f32), v (P f32),
    // u64 XXH64 of everything before it. Little-endian.
    static let magic: [UInt8] = Array("DSPADAMW".utf8)

    public func save(path: String) throws {
        var head = AdamW.magic
        func put(_ x: UInt64, _ bytes: Int) { for k in 0..<bytes { head.append(UInt8((x >> (8 * UInt64(k))) & 0xFF)) } }
        put(1, 4); put(0, 4); put(UInt64(step), 8); put(UInt64(layout.count), 8)
        var body = head
        body.append(contentsOf: UnsafeRawBufferPointer(start: m.base, count: m.count * 4))
        body.append(contentsOf: UnsafeRawBufferPointer(start: v.base, count: v.count * 4))
        let sum = XXH64.hash(body)
        for k in 0..<8 { body.append(UInt8((sum >> (8 * UInt64(k))) & 0xFF)) }
        try AtomicFile.write(body, to: path)
    }

    public func load(path: String) throws {
        let file = try MappedFile(path: path)
        let b = file.bytes, P = layout.count
        let expected = 32 + 8 * P + 8
        guard b.count >= 32, Array(b[0..<8]) == AdamW.magic else {
            throw InputError(file: path, place: "byte 0", expected: "magic DSPADAMW", hint: "not an optimizer state file")
        }
        let version = b.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        guard version == 1 else { throw InputError(file: path, place: "byte 8", expected: "version 1", found: "\(version)") }
        let count = Int(b.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian)
        guard count == P else {
            throw InputError(file: path, place: "byte 24", expected: "\(P) parameters (this model)", found: "\(count)",
                             hint: "state of a different model")
        }
        guard b.count == expected else { throw InputError(file: path, expected: "\(expected) bytes", found: "\(b.count) bytes") }
        let stored = b.loadUnaligned(fromByteOffset: expected - 8, as: UInt64.self).littleEndian
        guard XXH64.hash(UnsafeRawBufferPointer(rebasing: b[0..<(expected - 8)])) == stored else {
            throw InputError(file: path, place: "byte \(expected - 8)", expected: "matching XXH64 checksum", found: "a mismatch",
                             hint: "file corrupted")
        }
        step = Int(b.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian)
        memcpy(m.base, b.baseAddress! + 32, 4 * P)
        memcpy(v.base, b.baseAddress! + 32 + 4 * P, 4 * P)
    }
}

public enum GradientClipping {
    /// ‖g‖₂ over the whole arena, accumulated in Double.
    public static func globalNorm(_ g: Arena) -> Double {
        var sum = 0.0
        let p = g.base
        for i in 0..<g.count { sum += Double(p[i]) * Double(p[i]) }
        return sum.squareRoot()
    }

    /// Scales g by min(1, maxNorm / (‖g‖ + 1e-6)) like torch.nn.utils.clip_grad_norm_; returns ‖g‖ before.
    @discardableResult
    public static func clip(_ g: Arena, maxNorm: Double) -> Double {
        let norm = globalNorm(g)
        let coef = Float(maxNorm / (Double(Float(norm)) + 1e-6))
        if coef < 1 {
            let p = g.base
            for i in 0..<g.count { p[i] *= coef }
        }
        return norm
    }
}

/// Learning rate over optimizer steps (step counts from 1). JSON names are the raw values.
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case constant, linearWarmup = "linear_warmup", cosine
    }
    public var kind: Kind
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int          // cosine: decays from the end of warm-up to totalSteps
    public var minRatio: Double         // cosine floor as a fraction of peak

    public init(kind: Kind, peak: Double, warmupSteps: Int = 0, totalSteps: Int = 0, minRatio: Double = 0) {
        self.kind = kind; self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps
        self.minRatio = minRatio
    }

    /// lr for optimizer step `step` (1-based): linear warm-up over warmupSteps (lr = peak·step/warmup), then
    /// constant, or cosine from peak to minRatio·peak at totalSteps (and flat after).
    public func lr(step: Int) -> Double {
        if kind == .constant { return peak }
        if warmupSteps > 0 && step <= warmupSteps { return peak * Double(step) / Double(warmupSteps) }
        if kind == .linearWarmup { return peak }
        let span = max(1, totalSteps - warmupSteps)
        let progress = min(1, Double(step - warmupSteps) / Double(span))
        let floor = peak * minRatio
        return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
    }
}
