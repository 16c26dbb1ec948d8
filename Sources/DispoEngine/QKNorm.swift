// Qwen3's per-head RMSNorm of queries and keys (q_norm, k_norm; weights of size HS), applied to the fused qkv
// rows after the projection and before rotary embedding. Built on `RMSNorm` with each head as one row.
// Dimension legend: N rows, NH/KVH heads, HS head size, QKV row width, QD = NH·HS, KVD = KVH·HS.

public enum QKNorm {
    /// Normalises the q and k heads of qkv (N, QKV) in place; pre (N, QD + KVD) and rstd (N, NH + KVH) are
    /// saved for backward when given (training), skipped when nil (inference).
    public static func forward(qkv: UnsafeMutablePointer<Float>, pre: UnsafeMutablePointer<Float>?,
                               rstd: UnsafeMutablePointer<Float>?, qWeight: UnsafePointer<Float>,
                               kWeight: UnsafePointer<Float>, N: Int, NH: Int, KVH: Int, HS: Int, eps: Float) {
        let QD = NH * HS, KVD = KVH * HS, QKV = QD + 2 * KVD
        var scratch = [Float](repeating: 0, count: NH + KVH)
        for n in 0..<N {
            let row = qkv + n * QKV
            let r = rstd.map { $0 + n * (NH + KVH) }
            if let pre { (pre + n * (QD + KVD)).update(from: row, count: QD + KVD) }
            scratch.withUnsafeMutableBufferPointer { s in
                let rs = r ?? s.baseAddress!
                RMSNorm.forward(out: row, rstd: rs, inp: row, weight: qWeight, N: NH, C: HS, eps: eps)
                RMSNorm.forward(out: row + QD, rstd: rs + NH, inp: row + QD, weight: kWeight, N: KVH, C: HS, eps: eps)
            }
        }
    }

    /// Replaces the q and k parts of dQKV (N, QKV) (gradients w.r.t. the normalised heads) by gradients
    /// w.r.t. the projections' outputs; adds to dQWeight, dKWeight (HS). scratch (N, QD + KVD).
    public static func backward(dQKV: UnsafeMutablePointer<Float>, dQWeight: UnsafeMutablePointer<Float>,
                                dKWeight: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                pre: UnsafePointer<Float>, rstd: UnsafePointer<Float>, qWeight: UnsafePointer<Float>,
                                kWeight: UnsafePointer<Float>, N: Int, NH: Int, KVH: Int, HS: Int) {
        let QD = NH * HS, KVD = KVH * HS, QKV = QD + 2 * KVD
        scratch.initialize(repeating: 0, count: N * (QD + KVD))
        for n in 0..<N {
            let d = scratch + n * (QD + KVD), x = pre + n * (QD + KVD), r = rstd + n * (NH + KVH)
            let row = dQKV + n * QKV
            RMSNorm.backward(dInp: d, dWeight: dQWeight, dOut: row, inp: x, weight: qWeight, rstd: r, N: NH, C: HS)
            RMSNorm.backward(dInp: d + QD, dWeight: dKWeight, dOut: row + QD, inp: x + QD, weight: kWeight, rstd: r + NH,
                             N: KVH, C: HS)
            row.update(from: d, count: QD + KVD)
        }
    }
}
