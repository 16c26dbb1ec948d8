// Vectorised element-wise math for the layers that are not matrix products (softmax, SwiGLU, the output
// head's log-sum-exp; AdamW uses the loads and stores): eight floats at a time through Swift's SIMD types.
// Where Package.swift compiles the engine for `haswell` they become 256-bit AVX2 instructions, at the baseline
// x86-64 target pairs of SSE ones. No fused multiply-add is asked for (the results are the same bits on both
// targets; on the baseline an explicit FMA would become a library call per lane).
// exp follows the classic Cephes single-precision scheme: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two
// for an exact reduction), e^r by a degree-6 polynomial, 2^n built in the exponent bits. Relative error
// ≤ 2 ulp on [-87.3, 88]; below that the result is 0 (so exp(-∞) = 0), above it is clamped to e^88.
// Tests compare every function against libm over the whole range.

public enum FastMath {
    public typealias Vector = SIMD8<Float>
    public static let width = Vector.scalarCount

    /// e^x lane by lane.
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let lo: Float = -87.33654, hi: Float = 88.0
        // Clamped by compare-and-select (NaN stays NaN); the standard library's pointwiseMin/Max and
        // clamped(lowerBound:upperBound:) handle NaN lane by lane and do not vectorise.
        let clamped = x.replacing(with: lo, where: x .< lo).replacing(with: hi, where: x .> hi)
        // n = round(x / ln2) by the 1.5·2²³ trick (the sum's low mantissa bits hold n as an integer).
        let magic: Float = 12582912
        let t = clamped * 1.44269504088896341 + magic
        let n = t - magic
        var r = clamped - n * 0.693359375
        r = r - n * -2.12194440e-4
        var p = Vector(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let y = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(t, to: SIMD8<UInt32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        let result = y * unsafeBitCast(exponent, to: Vector.self)
        return result.replacing(with: 0, where: x .< lo)
    }

    /// Lane-wise max: `b` where a NaN makes the comparison false (so a running max skips NaN entries).
    @inline(__always)
    static func maximum(_ a: Vector, _ b: Vector) -> Vector { b.replacing(with: a, where: a .> b) }

    /// Largest lane.
    @inline(__always)
    static func largest(_ v: Vector) -> Float {
        let a = v.lowHalf.replacing(with: v.highHalf, where: v.highHalf .> v.lowHalf)
        let b = a.lowHalf.replacing(with: a.highHalf, where: a.highHalf .> a.lowHalf)
        return b[1] > b[0] ? b[1] : b[0]
    }

    /// e^x for one value, by the same arithmetic as the vector form (so scalar tails match vector bodies).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vector(repeating: x))[0] }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }

    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self) }

    /// The first `count` (< width) floats at p in a vector, the other lanes `fill`.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> Vector {
        var v = Vector(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    @inline(__always)
    static func storePartial(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { p[i] = v[i] }
    }

    /// The lanes at and after `count`: what a partial load filled in rather than read.
    @inline(__always)
    static func lanes(from count: Int) -> SIMDMask<SIMD8<Int32>> {
        SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= Int32(truncatingIfNeeded: count)
    }

    /// max of x[0..<n] (−∞ when n = 0).
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var m = Vector(repeating: -.infinity)
        var j = 0
        while j + width <= n { m = maximum(load(x + j), m); j += width }
        if j < n { m = maximum(loadPartial(x + j, n - j, fill: -.infinity), m) }
        return largest(m)
    }

    /// x[j] = e^(x[j]·scale − shift) for j < n; returns Σ of the results (vector partial sums, then lanes).
    @inline(__always) @discardableResult
    public static func expShifted(_ x: UnsafeMutablePointer<Float>, _ n: Int, scale: Float = 1, shift: Float) -> Float {
        var sum = Vector.zero
        var j = 0
        while j + width <= n {
            let e = exp(load(x + j) * scale - shift)
            store(e, x + j)
            sum += e
            j += width
        }
        if j < n {
            let e = exp(loadPartial(x + j, n - j) * scale - shift)
                .replacing(with: 0, where: lanes(from: n - j))
            storePartial(e, x + j, n - j)
            sum += e
        }
        return sum.sum()
    }

    /// x[j] *= factor for j < n.
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
        var j = 0
        while j + width <= n { store(load(x + j) * factor, x + j); j += width }
        while j < n { x[j] *= factor; j += 1 }
    }

    /// Σ_j x[j]·y[j] for j < n, in vector partial sums.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = Vector.zero, acc2 = Vector.zero
        var j = 0
        while j + 2 * width <= n {
            acc += load(x + j) * load(y + j)
            acc2 += load(x + j + width) * load(y + j + width)
            j += 2 * width
        }
        if j + width <= n { acc += load(x + j) * load(y + j); j += width }
        var s = (acc + acc2).sum()
        while j < n { s += x[j] * y[j]; j += 1 }
        return s
    }

    /// d[j] = p[j]·(d[j] − dot) for j < n: the softmax backward of one row.
    @inline(__always)
    public static func softmaxBackward(_ p: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int, dot: Float) {
        var j = 0
        while j + width <= n { store(load(p + j) * (load(d + j) - dot), d + j); j += width }
        while j < n { d[j] = p[j] * (d[j] - dot); j += 1 }
    }

    /// Index of the first NaN or ±∞ in x[0..<n], nil when all are finite. x·0 is ±0 for finite x and NaN
    /// otherwise, so a block is finite exactly when the sum of its x·0 compares equal to 0.
    @inline(never)
    public static func firstNonFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Int? {
        var j = 0
        while j + 8 * width <= n {
            var acc = Vector.zero
            for k in stride(from: j, to: j + 8 * width, by: width) { acc += load(x + k) * 0 }
            if !all(acc .== 0) { break }
            j += 8 * width
        }
        while j < n {
            if !x[j].isFinite { return j }
            j += 1
        }
        return nil
    }
}
