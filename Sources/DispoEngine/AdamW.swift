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
    /// Storage of the moments m and v: fp32 (exact torch arithmetic) or bf16 (half the memory; every update is
    /// computed in fp32 from the widened moments and stored back with stochastic rounding, see AdamWBF16.swift).
    public var momentPrecision: MomentPrecision = .f32

    public enum MomentPrecision: String, Codable, Sendable, CaseIterable { case f32, bf16 }

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, weightDecay: Double = 0,
                decayOneDimensional: Bool = false, momentPrecision: MomentPrecision = .f32) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        self.decayOneDimensional = decayOneDimensional
        self.momentPrecision = momentPrecision
    }

    enum CodingKeys: String, CodingKey {
        case beta1, beta2, eps, weightDecay = "weight_decay", decayOneDimensional = "decay_one_dimensional"
        case momentPrecision = "moment_dtype"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdamWConfig()
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? d.beta2
        eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? d.eps
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        decayOneDimensional = try c.decodeIfPresent(Bool.self, forKey: .decayOneDimensional) ?? d.decayOneDimensional
        momentPrecision = try c.decodeIfPresent(MomentPrecision.self, forKey: .momentPrecision) ?? d.momentPrecision
    }
}

public final class AdamW {
    public let config: AdamWConfig
    public let layout: ParameterLayout
    public let m: Arena                 // (P) first moment: fp32, or P bf16 values in P/2 floats' space
    public let v: Arena                 // (P) second moment, likewise
    public internal(set) var step = 0   // updates done

    public init(layout: ParameterLayout, config: AdamWConfig) {
        self.layout = layout
        self.config = config
        let count = config.momentPrecision == .f32 ? layout.count : (layout.count + 1) / 2
        m = Arena(count: count)
        v = Arena(count: count)
    }

    /// One update of `parameters` (P) from `gradients` (P) at learning rate `lr`, element-wise over `threads`
    /// chunks of each tensor (bit-identical for any thread count).
    public func update(parameters: Arena, gradients: Arena, lr: Double, threads: Int = 1) {
        precondition(parameters.count == layout.count && gradients.count == layout.count, "AdamW: arena size mismatch")
        if config.momentPrecision == .bf16 { return updateBF16(parameters: parameters, gradients: gradients, lr: lr, threads: threads) }
        step += 1
        let b1 = Float(config.beta1), b2 = Float(config.beta2), eps = Float(config.eps)
        let stepSize = Float(lr / (1 - pow(config.beta1, Double(step))))
        let bc2Sqrt = Float((1 - pow(config.beta2, Double(step))).squareRoot())
        let decayed = Float(1 - lr * config.weightDecay)
        for view in layout.tensors {
            let decay = config.decayOneDimensional || !ParameterLayout.isOneDimensional(view) ? decayed : 1
            let p = parameters[view.offset], g = gradients[view.offset], mm = m[view.offset], vv = v[view.offset]
            Parallel.chunks(view.count, threads: threads, minimumPerChunk: 1 << 16) { range in
                // Eight lanes at a time; the same fp32 operations in the same order as one at a time, so the
                // result does not depend on where a chunk or the vector tail starts.
                var i = range.lowerBound
                while i + FastMath.width <= range.upperBound {
                    let gi = FastMath.load(g + i)
                    let pi = FastMath.load(p + i) * decay
                    var mi = FastMath.load(mm + i)
                    mi += (1 - b1) * (gi - mi)
                    let vi = b2 * FastMath.load(vv + i) + (1 - b2) * gi * gi
                    FastMath.store(mi, mm + i)
                    FastMath.store(vi, vv + i)
                    FastMath.store(pi - stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps), p + i)
                    i += FastMath.width
                }
                while i < range.upperBound {
                    let gi = g[i]
                    p[i] *= decay
                    mm[i] += (1 - b1) * (gi - mm[i])
                    vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                    p[i] -= stepSize * mm[i] / (vv[i].squareRoot() / bc2Sqrt + eps)
                    i += 1
                }
            }
        }
    }

    // MARK: state file (little-endian): magic "DSPADAMW", u32 version 2, u32 0, u64 step, u64 P,
    // u64 layout fingerprint, the config as 5 f64 (β₁, β₂, ε, λ, decay-1-D as 0/1), m (P f32), v (P f32),
    // u64 XXH64 of everything before it.
    static let magic: [UInt8] = Array("DSPADAMW".utf8)
    static let headerSize = 8 + 4 + 4 + 8 + 8 + 8 + 5 * 8

    /// XXH64 of every tensor's name and shape: the state belongs to this layout only.
    var fingerprint: UInt64 {
        XXH64.hash(Array(layout.tensors.map { "\($0.name)\($0.shape)" }.joined(separator: ";").utf8))
    }

    public func save(path: String) throws {
        var body = AdamW.magic
        func put(_ x: UInt64, _ bytes: Int) { for k in 0..<bytes { body.append(UInt8((x >> (8 * UInt64(k))) & 0xFF)) } }
        put(config.momentPrecision == .f32 ? 2 : 3, 4); put(0, 4); put(UInt64(step), 8); put(UInt64(layout.count), 8); put(fingerprint, 8)
        for x in [config.beta1, config.beta2, config.eps, config.weightDecay, config.decayOneDimensional ? 1 : 0] {
            put(x.bitPattern, 8)
        }
        // The moments are written from their arenas (no copy: at 1.5 G parameters they are 6–12 GB), hashed as written.
        let parts = [UnsafeRawBufferPointer(start: m.base, count: m.count * 4), UnsafeRawBufferPointer(start: v.base, count: v.count * 4)]
        var hash = XXH64.Stream()
        hash.update(body)
        let out = try AtomicFile(path: path)
        try out.write(body)
        for part in parts {
            hash.update(part)
            try out.write(part)
        }
        var digest = hash.digest().littleEndian
        try withUnsafeBytes(of: &digest) { try out.write($0) }
        try out.commit()
    }

    /// Restores step and moments saved by `save`; the model layout and the config must be the same.
    public func load(path: String) throws {
        let file = try MappedFile(path: path)
        let b = file.bytes, P = layout.count, H = AdamW.headerSize
        func u64(_ at: Int) -> UInt64 { b.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian }
        guard b.count >= H, Array(b[0..<8]) == AdamW.magic else {
            throw InputError(file: path, place: "byte 0", expected: "magic DSPADAMW", hint: "not an optimizer state file")
        }
        let version = b.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        let wanted: UInt32 = config.momentPrecision == .f32 ? 2 : 3
        guard version == wanted else {
            throw InputError(file: path, place: "byte 8", expected: "version \(wanted) (\(config.momentPrecision.rawValue) moments)",
                             found: "\(version)", hint: "version 2 holds fp32 moments, 3 bf16")
        }
        guard Int(u64(24)) == P, u64(32) == fingerprint else {
            throw InputError(file: path, place: "byte 24", expected: "the state of this model (\(P) parameters)",
                             found: "\(u64(24)) parameters, layout fingerprint \(XXH64.hex(u64(32)))", hint: "state of a different model")
        }
        let expected = H + 2 * 4 * m.count + 8
        guard b.count == expected else { throw InputError(file: path, expected: "\(expected) bytes", found: "\(b.count) bytes") }
        guard XXH64.hash(UnsafeRawBufferPointer(rebasing: b[0..<(expected - 8)])) == u64(expected - 8) else {
            throw InputError(file: path, place: "byte \(expected - 8)", expected: "matching XXH64 checksum", found: "a mismatch",
                             hint: "file corrupted")
        }
        let saved = (0..<5).map { Double(bitPattern: u64(40 + 8 * $0)) }
        let mine = [config.beta1, config.beta2, config.eps, config.weightDecay, config.decayOneDimensional ? 1 : 0]
        guard saved == mine else {
            throw InputError(file: path, place: "byte 40", expected: "AdamW settings \(mine) (β₁, β₂, ε, λ, decay 1-D)",
                             found: "\(saved)", hint: "resume with the settings the run started with")
        }
        step = Int(u64(16))
        memcpy(m.base, b.baseAddress! + H, 4 * m.count)
        memcpy(v.base, b.baseAddress! + H + 4 * m.count, 4 * m.count)
    }
}

public enum GradientClipping {
    /// ‖g‖₂ over the whole arena, accumulated in Double.
    public static func globalNorm(_ g: Arena) -> Double {
        // Squares of float pairs are exact in Double; blocks of 64 summed in Double lanes, blocks added up.
        var sum = 0.0
        let p = g.base, n = g.count
        var i = 0
        while i + 64 <= n {
            var acc = SIMD8<Double>.zero
            for k in stride(from: i, to: i + 64, by: 8) {
                let x = SIMD8<Double>(FastMath.load(p + k))
                acc += x * x
            }
            sum += acc.sum()
            i += 64
        }
        while i < n { sum += Double(p[i]) * Double(p[i]); i += 1 }
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
