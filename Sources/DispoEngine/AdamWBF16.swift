// AdamW with its moments stored in bfloat16 (half the optimizer memory: 4 bytes per parameter instead of 8).
// Each update widens m and v to fp32 exactly, runs the same fp32 arithmetic as the fp32 path, and stores them
// back with stochastic rounding: 16 pseudo-random bits are added below the kept mantissa before truncating, so
// the stored value is unbiased. Round-to-nearest would lose every update smaller than half a bf16 step — with
// β₂ = 0.999, v moves by 0.1% of itself per step, under bf16's 0.2% half-step, and would stop following g².
// The random bits come from a hash of (parameter index, step, moment), so runs are reproducible and a resumed
// run continues bit for bit. Parameters and gradients stay fp32.
// Dimension legend: P parameter count.

extension AdamW {
    /// The bf16-moment update of `update(parameters:gradients:lr:threads:)`.
    func updateBF16(parameters: Arena, gradients: Arena, lr: Double, threads: Int) {
        step += 1
        let b1 = Float(config.beta1), b2 = Float(config.beta2), eps = Float(config.eps)
        let stepSize = Float(lr / (1 - pow(config.beta1, Double(step))))
        let bc2Sqrt = Float((1 - pow(config.beta2, Double(step))).squareRoot())
        let decayed = Float(1 - lr * config.weightDecay)
        let mm = UnsafeMutableRawPointer(m.base).assumingMemoryBound(to: UInt16.self)
        let vv = UnsafeMutableRawPointer(v.base).assumingMemoryBound(to: UInt16.self)
        let seedM = UInt32(truncatingIfNeeded: step) &* 0x9E37_79B9, seedV = seedM ^ 0x85EB_CA6B
        for view in layout.tensors {
            let decay = config.decayOneDimensional || !ParameterLayout.isOneDimensional(view) ? decayed : 1
            let p = parameters[view.offset], g = gradients[view.offset], base = view.offset
            Parallel.chunks(view.count, threads: threads, minimumPerChunk: 1 << 16) { range in
                var i = range.lowerBound
                while i + 8 <= range.upperBound {
                    let index = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: base + i)) &+ SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
                    let gi = FastMath.load(g + i)
                    let pi = FastMath.load(p + i) * decay
                    var mi = Self.widen(mm + base + i)
                    mi += (1 - b1) * (gi - mi)
                    let vi = b2 * Self.widen(vv + base + i) + (1 - b2) * gi * gi
                    Self.narrow(mi, to: mm + base + i, noise: Self.noise(index, seedM))
                    Self.narrow(vi, to: vv + base + i, noise: Self.noise(index, seedV))
                    FastMath.store(pi - stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps), p + i)
                    i += 8
                }
                while i < range.upperBound {
                    let index = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: base + i))
                    let gi = g[i]
                    p[i] *= decay
                    var mi = Float(bitPattern: UInt32(mm[base + i]) << 16)
                    mi += (1 - b1) * (gi - mi)
                    let vi = b2 * Float(bitPattern: UInt32(vv[base + i]) << 16) + (1 - b2) * gi * gi
                    mm[base + i] = Self.round(mi, noise: Self.noise(index, seedM)[0])
                    vv[base + i] = Self.round(vi, noise: Self.noise(index, seedV)[0])
                    p[i] -= stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
                    i += 1
                }
            }
        }
    }

    @inline(__always)
    static func widen(_ p: UnsafePointer<UInt16>) -> SIMD8<Float> {
        let h = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<UInt16>.self)
        return unsafeBitCast(SIMD8<UInt32>(truncatingIfNeeded: h) &<< 16, to: SIMD8<Float>.self)
    }

    /// Stores the high halves of x's bits after adding `noise` (16 random bits) below them.
    @inline(__always)
    static func narrow(_ x: SIMD8<Float>, to p: UnsafeMutablePointer<UInt16>, noise: SIMD8<UInt32>) {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        // Values whose exponent is all ones (∞, NaN) keep their high half unchanged.
        let finite = (bits & 0x7F80_0000) .!= 0x7F80_0000
        let rounded = (bits &+ noise.replacing(with: 0, where: .!finite)) &>> 16
        UnsafeMutableRawPointer(p).storeBytes(of: SIMD8<UInt16>(truncatingIfNeeded: rounded), as: SIMD8<UInt16>.self)
    }

    @inline(__always)
    static func round(_ x: Float, noise: UInt32) -> UInt16 {
        let bits = x.bitPattern
        return UInt16(truncatingIfNeeded: ((bits & 0x7F80_0000) == 0x7F80_0000 ? bits : bits &+ noise) >> 16)
    }

    /// 16 pseudo-random bits per lane from (index, seed): a 32-bit integer hash (two multiply-xorshift rounds).
    @inline(__always)
    static func noise(_ index: SIMD8<UInt32>, _ seed: UInt32) -> SIMD8<UInt32> {
        var x = index ^ seed
        x = (x ^ (x &>> 16)) &* 0x7FEB_352D
        x = (x ^ (x &>> 15)) &* 0x846C_A68B
        x ^= x &>> 16
        return x & 0xFFFF
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
