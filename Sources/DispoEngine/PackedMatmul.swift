// Linear layers for decoding: out (N, OC) = inp (N, IC) · Wᵀ with W packed once into panels of 16 output
// channels stored k-major (element (o, k) of panel p = o / 16 at p·16·IC + k·16 + o % 16), in fp32 or bf16.
// A decode step multiplies a few rows (one per live sequence) by every weight; BLAS would repack W on every
// call, which at 1–64 rows costs as much as the product. Here each panel streams from memory once per call and
// every row block reuses it from cache: ⌈N/6⌉ blocks of 1–6 rows, each a register tile of R×16 fp32
// accumulators updated by one fused multiply-add per (row, 8 lanes, k). bf16 panels are widened to fp32 in
// registers (exact) and halve the bytes streamed.
// Each output is Σ_k x[n,k]·W[o,k] accumulated in k order in one fp32 lane with fused multiply-adds, so a row's
// result does not depend on N, on the other rows, or on the thread count.
// Rows of W past the last full panel (OC % 16) stay row-major after the panels and use dot products.
// Dimension legend: N rows, IC input channels, OC output channels, P = OC / 16 full panels.

/// How a packed panel element becomes fp32 (fp32 as is; bf16 by a 16-bit shift, exactly).
public protocol PanelElement {
    /// Output channels 0..<8 and 8..<16 of row k of a panel as two 8-lane vectors.
    static func load16(_ panel: UnsafePointer<Self>, _ k: Int) -> (SIMD8<Float>, SIMD8<Float>)
    /// Where output channel j (0..<16) of a panel row is stored within the row's 16 elements.
    static func slot(_ j: Int) -> Int
    static func float(_ value: Self) -> Float
}

extension Float: PanelElement {
    @inline(__always)
    public static func load16(_ panel: UnsafePointer<Float>, _ k: Int) -> (SIMD8<Float>, SIMD8<Float>) {
        let p = UnsafeRawPointer(panel + k * 16)
        return (p.loadUnaligned(as: SIMD8<Float>.self), p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
    }
    @inline(__always) public static func slot(_ j: Int) -> Int { j }
    @inline(__always) public static func float(_ value: Float) -> Float { value }
}

/// A bfloat16 value: the high 16 bits of an fp32.
public struct BFloat16: PanelElement, Sendable, Equatable {
    public var bits: UInt16
    public init(bits: UInt16) { self.bits = bits }
    /// Round to nearest even (HalfFloat.bf16).
    public init(_ value: Float) { bits = HalfFloat.bf16(value) }
    public var float: Float { Float(bitPattern: UInt32(bits) << 16) }

    /// A panel row holds channels j and j + 8 in one 32-bit word (j in the low half), so one 256-bit load
    /// widens to both vectors with a shift and a mask.
    @inline(__always)
    public static func load16(_ panel: UnsafePointer<BFloat16>, _ k: Int) -> (SIMD8<Float>, SIMD8<Float>) {
        let w = UnsafeRawPointer(panel + k * 16).loadUnaligned(as: SIMD8<UInt32>.self)
        return (unsafeBitCast(w &<< 16, to: SIMD8<Float>.self), unsafeBitCast(w & 0xFFFF_0000, to: SIMD8<Float>.self))
    }
    @inline(__always) public static func slot(_ j: Int) -> Int { 2 * (j % 8) + j / 8 }
    @inline(__always) public static func float(_ value: BFloat16) -> Float { value.float }
}

public enum PackedMatmul {
    /// Panel width: output channels per panel.
    public static let width = 16

    /// Packs W (OC, IC) row-major into `dst` (OC·IC elements): full panels, then the OC % 16 tail rows as they are.
    public static func pack<E: PanelElement>(_ w: UnsafePointer<Float>, OC: Int, IC: Int, into dst: UnsafeMutablePointer<E>,
                                      convert: (Float) -> E) {
        let P = OC / width
        for p in 0..<P {
            let panel = dst + p * width * IC, rows = w + p * width * IC
            for o in 0..<width {
                let row = rows + o * IC, slot = E.slot(o)
                for k in 0..<IC { panel[k * width + slot] = convert(row[k]) }
            }
        }
        for i in (P * width * IC)..<(OC * IC) { dst[i] = convert(w[i]) }
    }

    /// Element (o, k) of a packed matrix.
    @inline(__always)
    public static func element<E: PanelElement>(_ w: UnsafePointer<E>, o: Int, k: Int, OC: Int, IC: Int) -> Float {
        let P = OC / width
        if o < P * width { return E.float(w[(o / width) * width * IC + k * width + E.slot(o % width)]) }
        return E.float(w[o * IC + k])
    }

    /// out (N, OC) = inp (N, IC) · Wᵀ (+ out with `accumulate`) (+ bias); W packed by `pack`. Output panels are
    /// split over `threads` threads (results do not depend on the split).
    public static func forward<E: PanelElement>(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<E>,
                                         bias: UnsafePointer<Float>?, N: Int, IC: Int, OC: Int, accumulate: Bool, threads: Int) {
        let P = OC / width
        let job = PackedJob(out: out, inp: inp, weight: weight, bias: bias, N: N, IC: IC, OC: OC, accumulate: accumulate)
        // At least 8 panels per thread: below that the hand-over costs more than it saves.
        Parallel.chunks(P, threads: threads, minimumPerChunk: 8) { panels in
            for p in panels { job.panel(p) }
        }
        for o in (P * width)..<OC { job.tailRow(o) }
    }
}

/// One product's operands; `panel(p)` computes output channels p·16 ..< p·16 + 16 for every row.
struct PackedJob<E: PanelElement> {
    let out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<E>, bias: UnsafePointer<Float>?
    let N: Int, IC: Int, OC: Int, accumulate: Bool

    /// Rows in ⌈N/6⌉ blocks of nearly equal size (8 rows: 4 + 4, not 6 + 2): a tile of R rows issues 2R
    /// fused multiply-adds per k, and below 4 rows their 4-cycle latency, not the FMA units, sets the pace.
    @inline(__always)
    func panel(_ p: Int) {
        let w = weight + p * 16 * IC
        let blocks = (N + 5) / 6
        var n = 0
        for b in 0..<blocks {
            let R = (N * (b + 1)) / blocks - (N * b) / blocks
            switch R {
            case 6: tile6(w, n, p)
            case 5: tile5(w, n, p)
            case 4: tile4(w, n, p)
            case 3: tile3(w, n, p)
            case 2: tile2(w, n, p)
            default: tile1(w, n, p)
            }
            n += R
        }
    }

    /// Writes (or adds) 16 outputs of row n at panel p, plus the bias.
    @inline(__always)
    func store(_ a: SIMD8<Float>, _ b: SIMD8<Float>, row n: Int, panel p: Int) {
        let o = out + n * OC + p * 16
        var lo = a, hi = b
        if accumulate {
            lo += UnsafeRawPointer(o).loadUnaligned(as: SIMD8<Float>.self)
            hi += UnsafeRawPointer(o + 8).loadUnaligned(as: SIMD8<Float>.self)
        }
        if let bias {
            lo += UnsafeRawPointer(bias + p * 16).loadUnaligned(as: SIMD8<Float>.self)
            hi += UnsafeRawPointer(bias + p * 16 + 8).loadUnaligned(as: SIMD8<Float>.self)
        }
        UnsafeMutableRawPointer(o).storeBytes(of: lo, as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(o + 8).storeBytes(of: hi, as: SIMD8<Float>.self)
    }

    @inline(__always)
    func tile6(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC, x1 = x0 + IC, x2 = x1 + IC, x3 = x2 + IC, x4 = x3 + IC, x5 = x4 + IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>(), c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            var a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x1[k]); c10.addProduct(a, b0); c11.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x2[k]); c20.addProduct(a, b0); c21.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x3[k]); c30.addProduct(a, b0); c31.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x4[k]); c40.addProduct(a, b0); c41.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x5[k]); c50.addProduct(a, b0); c51.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p); store(c10, c11, row: n + 1, panel: p); store(c20, c21, row: n + 2, panel: p)
        store(c30, c31, row: n + 3, panel: p); store(c40, c41, row: n + 4, panel: p); store(c50, c51, row: n + 5, panel: p)
    }

    @inline(__always)
    func tile5(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC, x1 = x0 + IC, x2 = x1 + IC, x3 = x2 + IC, x4 = x3 + IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            var a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x1[k]); c10.addProduct(a, b0); c11.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x2[k]); c20.addProduct(a, b0); c21.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x3[k]); c30.addProduct(a, b0); c31.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x4[k]); c40.addProduct(a, b0); c41.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p); store(c10, c11, row: n + 1, panel: p); store(c20, c21, row: n + 2, panel: p)
        store(c30, c31, row: n + 3, panel: p); store(c40, c41, row: n + 4, panel: p)
    }

    @inline(__always)
    func tile3(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC, x1 = x0 + IC, x2 = x1 + IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            var a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x1[k]); c10.addProduct(a, b0); c11.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x2[k]); c20.addProduct(a, b0); c21.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p); store(c10, c11, row: n + 1, panel: p); store(c20, c21, row: n + 2, panel: p)
    }

    @inline(__always)
    func tile4(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC, x1 = x0 + IC, x2 = x1 + IC, x3 = x2 + IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            var a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x1[k]); c10.addProduct(a, b0); c11.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x2[k]); c20.addProduct(a, b0); c21.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x3[k]); c30.addProduct(a, b0); c31.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p); store(c10, c11, row: n + 1, panel: p)
        store(c20, c21, row: n + 2, panel: p); store(c30, c31, row: n + 3, panel: p)
    }

    @inline(__always)
    func tile2(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC, x1 = x0 + IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            var a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
            a = SIMD8<Float>(repeating: x1[k]); c10.addProduct(a, b0); c11.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p); store(c10, c11, row: n + 1, panel: p)
    }

    @inline(__always)
    func tile1(_ w: UnsafePointer<E>, _ n: Int, _ p: Int) {
        let x0 = inp + n * IC
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        for k in 0..<IC {
            let (b0, b1) = E.load16(w, k)
            let a = SIMD8<Float>(repeating: x0[k]); c00.addProduct(a, b0); c01.addProduct(a, b1)
        }
        store(c00, c01, row: n, panel: p)
    }

    /// Output channel o of the row-major tail, for every row: the same k-ordered fused multiply-adds.
    func tailRow(_ o: Int) {
        let w = weight + o * IC
        for n in 0..<N {
            let x = inp + n * IC
            var s: Float = 0
            for k in 0..<IC { s = s.addingProduct(x[k], E.float(w[k])) }
            let o2 = out + n * OC + o
            o2.pointee = (accumulate ? o2.pointee : 0) + s + (bias?[o] ?? 0)
        }
    }
}
