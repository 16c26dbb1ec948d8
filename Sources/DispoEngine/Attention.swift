// Causal grouped-query self-attention (Vaswani et al. 2017; GQA: Ainslie et al. 2023) over right-padded
// sequences: query head h reads key/value head h / G. Scores and weighted values go through sgemm per
// (sequence, head), on the first `lengths[b]` rows only; rows at or past a sequence's length are zero.
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
    /// scratch (T, T).
    public static func forward(out: UnsafeMutablePointer<Float>, logSumExp: UnsafeMutablePointer<Float>,
                               scratch: UnsafeMutablePointer<Float>, qkv: UnsafePointer<Float>,
                               lengths: UnsafePointer<Int32>, shape s: AttentionShape, naive: Bool = false) {
        let gemm = naive ? Gemm.naive : Gemm.run
        let scale = 1 / Float(s.HS).squareRoot()
        memset(out, 0, s.B * s.T * s.QD * MemoryLayout<Float>.stride)
        for b in 0..<s.B {
            let len = Int(lengths[b])
            if len == 0 { continue }
            let rows = qkv + b * s.T * s.QKV
            for h in 0..<s.NH {
                let q = rows + h * s.HS
                let k = rows + s.QD + (h / s.G) * s.HS
                let v = rows + s.QD + s.KVH * s.HS + (h / s.G) * s.HS
                let lse = logSumExp + (b * s.NH + h) * s.T
                // scores (len, len) = scale · Q Kᵀ, then causal softmax row by row.
                gemm(false, true, len, len, s.HS, scale, q, s.QKV, k, s.QKV, 0, scratch, s.T)
                for i in 0..<len { lse[i] = causalSoftmax(scratch + i * s.T, upTo: i, width: len) }
                // out (len, HS) = P V
                gemm(false, false, len, s.HS, len, 1, scratch, s.T, v, s.QKV, 0, out + b * s.T * s.QD + h * s.HS, s.QD)
            }
        }
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
    /// forward; probs and dProbs are (T, T) scratch. Per head: P = exp(s·QKᵀ − lse) (recomputed),
    /// dP = dO Vᵀ, dV = Pᵀ dO, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = s·dS K, dK = s·dSᵀ Q.
    public static func backward(dQKV: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                                dProbs: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                                qkv: UnsafePointer<Float>, logSumExp: UnsafePointer<Float>,
                                lengths: UnsafePointer<Int32>, shape s: AttentionShape, naive: Bool = false) {
        let gemm = naive ? Gemm.naive : Gemm.run
        let scale = 1 / Float(s.HS).squareRoot()
        memset(dQKV, 0, s.B * s.T * s.QKV * MemoryLayout<Float>.stride)
        for b in 0..<s.B {
            let len = Int(lengths[b])
            if len == 0 { continue }
            let rows = qkv + b * s.T * s.QKV, dRows = dQKV + b * s.T * s.QKV
            for h in 0..<s.NH {
                let kOff = s.QD + (h / s.G) * s.HS, vOff = s.QD + s.KVH * s.HS + (h / s.G) * s.HS
                let lse = logSumExp + (b * s.NH + h) * s.T
                let p = probs, dp = dProbs
                gemm(false, true, len, len, s.HS, scale, rows + h * s.HS, s.QKV, rows + kOff, s.QKV, 0, p, s.T)
                for i in 0..<len {
                    let row = p + i * s.T
                    FastMath.expShifted(row, i + 1, shift: lse[i])
                    if len > i + 1 { (row + i + 1).update(repeating: 0, count: len - i - 1) }
                }
                let dO = dOut + b * s.T * s.QD + h * s.HS
                gemm(false, true, len, len, s.HS, 1, dO, s.QD, rows + vOff, s.QKV, 0, dp, s.T)
                gemm(true, false, len, s.HS, len, 1, p, s.T, dO, s.QD, 1, dRows + vOff, s.QKV)
                for i in 0..<len {
                    let pr = p + i * s.T, dr = dp + i * s.T
                    let dot = FastMath.dot(pr, dr, i + 1)
                    FastMath.softmaxBackward(pr, dr, i + 1, dot: dot)
                    if len > i + 1 { (dr + i + 1).update(repeating: 0, count: len - i - 1) }
                }
                gemm(false, false, len, s.HS, len, scale, dp, s.T, rows + kOff, s.QKV, 0, dRows + h * s.HS, s.QKV)
                gemm(true, false, len, s.HS, len, scale, dp, s.T, rows + h * s.HS, s.QKV, 1, dRows + kOff, s.QKV)
            }
        }
    }
}
