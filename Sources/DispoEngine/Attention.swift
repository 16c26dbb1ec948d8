// Causal grouped-query self-attention (Vaswani et al. 2017; GQA: Ainslie et al. 2023) over right-padded
// sequences: query head h reads key/value head h / G. Scores and weighted values go through sgemm per
// (sequence, head, block of 64 query rows), each block against the keys up to its last row only (so about
// 5/8 of the T² square is computed at T = 256), on the first `lengths[b]` rows; rows at or past a sequence's
// length are zero.
// Only each score row's log-sum-exp is saved; backward recomputes the probabilities one head at a time
// (as FlashAttention does), so activation memory grows with T, not T², per layer.
// Dimension legend: B batch, T time, NH query heads, KVH key/value heads, G = NH/KVH, HS head size,
// QKV = (NH + 2·KVH)·HS row width of the fused q‖k‖v activations, QD = NH·HS.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct AttentionShape: Sendable {
    public var B: Int, T: Int, NH: Int, KVH: Int, HS: Int
    public init(B: Int, T: Int, NH: Int, KVH: Int, HS: Int) {
        self.B = B; self.T = T; self.NH = NH; self.KVH = KVH; self.HS = HS
    }
    public var QKV: Int { (NH + 2 * KVH) * HS }
    public var QD: Int { NH * HS }
    public var G: Int { NH / KVH }
}

public enum Attention {
    /// out (B, T, QD), logSumExp (B, NH, T) saved for backward; qkv (B, T, QKV) after rope, lengths (B);
    /// scratch (threads, T, T).
    public static func forward(out: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                               lengths: UnsafePointer<Int32>, shape s: AttentionShape, naive: Bool = false,
                               block: Int = causalBlock, threads: Int = 1) {
        let gemm = naive ? Gemm.naive : Gemm.run
        let scale = 1 / Float(s.HS).squareRoot()
        memset(out, 0, s.B * s.T * s.QD * MemoryLayout<Float>.stride)
        overUnits(s, threads: threads) { slot, b, g in
            let len = Int(lengths[b])
            if len == 0 { return }
            let rows = qkv + b * s.T * s.QKV, scores = scratch + slot * s.T * s.T
            let blocks = causalBlocks(len, block: block)
            for h in (g * s.G)..<((g + 1) * s.G) {
                let q = rows + h * s.HS
                let k = rows + s.QD + g * s.HS
                let v = rows + s.QD + s.KVH * s.HS + g * s.HS
                let lse = logSumExp + (b * s.NH + h) * s.T
                // Row blocks [r0, r1) see keys [0, r1) only: the products skip most of the masked triangle.
                for (r0, r1) in blocks {
                    // scores (r1−r0, r1) = scale · Q Kᵀ, then causal softmax row by row.
                    gemm(false, true, r1 - r0, r1, s.HS, scale, q + r0 * s.QKV, s.QKV, k, s.QKV, 0, scores + r0 * s.T, s.T)
                    for i in r0..<r1 { lse[i] = causalSoftmax(scores + i * s.T, upTo: i, width: r1) }
                    // out (r1−r0, HS) = P V
                    gemm(false, false, r1 - r0, s.HS, r1, 1, scores + r0 * s.T, s.T, v, s.QKV, 0,
                         out + (b * s.T + r0) * s.QD + h * s.HS, s.QD)
                }
            }
        }
    }

    /// Runs body(slot, b, g) for every sequence b and key/value head g: a unit writes only its own heads' rows
    /// (and, in backward, its own key/value columns), so units run on `threads` threads at once, each with
    /// scratch `slot`. OpenBLAS is held to one thread meanwhile (nested threads would oversubscribe the cores);
    /// a product's result does not depend on its thread count.
    static func overUnits(_ s: AttentionShape, threads: Int, _ body: (Int, Int, Int) -> Void) {
        let units = s.B * s.KVH
        guard threads > 1 && units > 1 else {
            for u in 0..<units { body(0, u / s.KVH, u % s.KVH) }
            return
        }
        let blas = Gemm.threads
        Gemm.setThreads(1)
        defer { Gemm.setThreads(blas) }
        Parallel.indexedChunks(units, threads: threads) { slot, range in
            for u in range { body(slot, u / s.KVH, u % s.KVH) }
        }
    }

    /// Query rows per block of the causal products: block [r0, r1) multiplies against keys [0, r1) only.
    /// (Measured at T = 256, HS = 64: 64 beats 32, 128 and the whole square.)
    public static let causalBlock = 64

    /// [r0, r1) row blocks covering 0..<len.
    @inline(__always)
    static func causalBlocks(_ len: Int, block: Int) -> [(Int, Int)] {
        stride(from: 0, to: len, by: max(1, block)).map { ($0, min(len, $0 + max(1, block))) }
    }

    /// Softmax over row[0...i], row[i+1..<width] set to 0; returns log Σ exp(row[0...i]).
    @inline(__always) @discardableResult
    static func causalSoftmax(_ row: UnsafeMutablePointer<Float>, upTo i: Int, width: Int) -> Float {
        let m = FastMath.max(row, i + 1)
        let sum = FastMath.expShifted(row, i + 1, shift: m)
        FastMath.scale(row, i + 1, by: 1 / sum)
        if width > i + 1 { (row + i + 1).update(repeating: 0, count: width - i - 1) }
        return m + logf(sum)
    }

    /// dQKV (B, T, QKV) overwritten with ∂L/∂qkv (after rope); dOut (B, T, QD), qkv and logSumExp from
    /// forward; probs and dProbs are (threads, T, T) scratch. Per head: P = exp(s·QKᵀ − lse) (recomputed),
    /// dP = dO Vᵀ, dV = Pᵀ dO, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = s·dS K, dK = s·dSᵀ Q.
    public static func backward(dQKV: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                dProbs: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>,
                                lengths: UnsafePointer<Int32>, shape s: AttentionShape, naive: Bool = false,
                                block: Int = causalBlock, threads: Int = 1) {
        let gemm = naive ? Gemm.naive : Gemm.run
        let scale = 1 / Float(s.HS).squareRoot()
        memset(dQKV, 0, s.B * s.T * s.QKV * MemoryLayout<Float>.stride)
        overUnits(s, threads: threads) { slot, b, g in
            let len = Int(lengths[b])
            if len == 0 { return }
            let rows = qkv + b * s.T * s.QKV, dRows = dQKV + b * s.T * s.QKV
            let kOff = s.QD + g * s.HS, vOff = s.QD + s.KVH * s.HS + g * s.HS
            let blocks = causalBlocks(len, block: block)
            for h in (g * s.G)..<((g + 1) * s.G) {
                let lse = logSumExp + (b * s.NH + h) * s.T
                let dO = dOut + b * s.T * s.QD + h * s.HS
                for (r0, r1) in blocks {
                    let n = r1 - r0, p = probs + slot * s.T * s.T + r0 * s.T, dp = dProbs + slot * s.T * s.T + r0 * s.T
                    gemm(false, true, n, r1, s.HS, scale, rows + r0 * s.QKV + h * s.HS, s.QKV, rows + kOff, s.QKV, 0, p, s.T)
                    for i in r0..<r1 {
                        let row = p + (i - r0) * s.T
                        FastMath.expShifted(row, i + 1, shift: lse[i])
                        if r1 > i + 1 { (row + i + 1).update(repeating: 0, count: r1 - i - 1) }
                    }
                    gemm(false, true, n, r1, s.HS, 1, dO + r0 * s.QD, s.QD, rows + vOff, s.QKV, 0, dp, s.T)
                    // dV[0..<r1] += Pᵀ dO over this block's rows
                    gemm(true, false, r1, s.HS, n, 1, p, s.T, dO + r0 * s.QD, s.QD, 1, dRows + vOff, s.QKV)
                    for i in r0..<r1 {
                        let pr = p + (i - r0) * s.T, dr = dp + (i - r0) * s.T
                        let dot = FastMath.dot(pr, dr, i + 1)
                        FastMath.softmaxBackward(pr, dr, i + 1, dot: dot)
                        if r1 > i + 1 { (dr + i + 1).update(repeating: 0, count: r1 - i - 1) }
                    }
                    gemm(false, false, n, s.HS, r1, scale, dp, s.T, rows + kOff, s.QKV, 0, dRows + r0 * s.QKV + h * s.HS, s.QKV)
                    gemm(true, false, r1, s.HS, n, scale, dp, s.T, rows + r0 * s.QKV + h * s.HS, s.QKV, 1, dRows + kOff, s.QKV)
                }
            }
        }
    }
}
