// RMSNorm (Zhang & Sennrich 2019), as in HF LlamaRMSNorm: out = x / sqrt(mean(x²) + eps) · weight, in fp32.
// Dimension legend: N rows (B·T), C channels.

public enum RMSNorm {
    /// out (N, C), rstd (N) saved for backward; inp (N, C), weight (C).
    public static func forward(out: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
                               inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, N: Int, C: Int, eps: Float,
                               threads: Int = 1) {
        Parallel.chunks(N, threads: threads, minimumPerChunk: 16) { rows in
        for n in rows {
            let x = inp + n * C, y = out + n * C
            var ss: Float = 0
            for i in 0..<C { ss += x[i] * x[i] }
            let r = 1 / (ss / Float(C) + eps).squareRoot()
            rstd[n] = r
            for i in 0..<C { y[i] = (x[i] * r) * weight[i] }
        }}
    }

    /// dInp (N, C) += ∂L/∂x, dWeight (C) += ∂L/∂w; dOut (N, C), inp (N, C), rstd (N) from forward.
    /// With g = w ⊙ dOut: dx = r·g − r³/C · x · (g·x).
    public static func backward(dInp: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                dOut: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                rstd: UnsafePointer<Float>, N: Int, C: Int, threads: Int = 1) {
        Parallel.chunks(N, threads: threads, minimumPerChunk: 16) { rows in
        for n in rows {
            let x = inp + n * C, dy = dOut + n * C, dx = dInp + n * C
            let r = rstd[n]
            var dot: Float = 0
            for i in 0..<C { dot += weight[i] * dy[i] * x[i] }
            let k = r * r * r * dot / Float(C)
            for i in 0..<C { dx[i] += r * weight[i] * dy[i] - k * x[i] }
        }}
        // dWeight by channel chunks, rows in order: the same sums for any thread count.
        Parallel.chunks(C, threads: N >= 64 ? threads : 1, minimumPerChunk: 16) { channels in
            for n in 0..<N {
                let x = inp + n * C, dy = dOut + n * C, r = rstd[n]
                for i in channels { dWeight[i] += dy[i] * x[i] * r }
            }
        }
    }
}
