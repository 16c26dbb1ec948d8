// Linear layer: out = inp · Wᵀ + bias, with W stored (OC, IC) as in PyTorch's nn.Linear and HF safetensors.
// Forward and backward side by side; each has a naive reference (same signature, `naive: true`) for tests.
// Dimension legend: N rows (B·T), IC input channels, OC output channels.

public enum Matmul {
    /// Forward products of 2...fewRows rows run in output-channel slices of at most fewRowsWork multiply-adds.
    static let fewRows = 64, fewRowsWork = 250_000

    /// out (N, OC) = inp (N, IC) · weight (OC, IC)ᵀ + bias (OC). With `accumulate`, adds to `out` instead
    /// (used for the residual stream: x = x + proj(y)).
    public static func forward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               N: Int, IC: Int, OC: Int, accumulate: Bool = false, naive: Bool = false) {
        let gemm = naive ? Gemm.naive : Gemm.run
        if N > 1 && N <= fewRows && N * OC * IC > fewRowsWork {
            // A few rows (a decode step): OpenBLAS repacks the whole weight for every call, which at this size
            // costs as much as the product. In slices of output channels of at most `fewRowsWork`
            // multiply-adds each it is 20–30% faster at 16 rows (measured, `dispo bench engine`).
            let slice = max(16, fewRowsWork / (N * IC) / 16 * 16)
            for o0 in stride(from: 0, to: OC, by: slice) {
                gemm(false, true, N, min(slice, OC - o0), IC, 1, inp, IC, weight + o0 * IC, IC, accumulate ? 1 : 0,
                     out + o0, OC)
            }
        } else {
            gemm(false, true, N, OC, IC, 1, inp, IC, weight, IC, accumulate ? 1 : 0, out, OC)
        }
        if let bias {
            for n in 0..<N {
                let row = out + n * OC
                for o in 0..<OC { row[o] += bias[o] }
            }
        }
    }

    /// dInp (N, IC) = dOut (N, OC) · weight (OC, IC) (added to dInp with `accumulateInput`),
    /// dWeight (OC, IC) += dOut ᵀ · inp, dBias (OC) += Σ_rows dOut. Weight gradients always accumulate, so
    /// micro-batches add up; zero them once per optimizer step.
    public static func backward(dInp: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>,
                                inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                N: Int, IC: Int, OC: Int, accumulateInput: Bool = false, naive: Bool = false) {
        let gemm = naive ? Gemm.naive : Gemm.run
        if let dInp {
            gemm(false, false, N, IC, OC, 1, dOut, OC, weight, IC, accumulateInput ? 1 : 0, dInp, IC)
        }
        gemm(true, false, OC, IC, N, 1, dOut, OC, inp, IC, 1, dWeight, IC)
        if let dBias {
            for n in 0..<N {
                let row = dOut + n * OC
                for o in 0..<OC { dBias[o] += row[o] }
            }
        }
    }
}
