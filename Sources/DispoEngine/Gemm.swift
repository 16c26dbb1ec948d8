// General matrix multiply, row-major: C (M, N) = alpha · op(A) · op(B) + beta · C, through OpenBLAS's
// cblas_sgemm, with a naive reference beside it (llm.c `matmul_forward_naive`) that tests compare against.
// op(A) is (M, K): A is (M, K) with row stride lda, or (K, M) when transposed; op(B) is (K, N) likewise.
// Every big matmul of the engine (projections, attention scores and values, lm_head) goes through `Gemm.run`.

import COpenBLAS

public enum Gemm {
    /// C (M, N) = alpha · op(A) (M, K) · op(B) (K, N) + beta · C, via BLAS.
    @inline(__always)
    public static func run(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
                           A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
                           beta: Float, C: UnsafeMutablePointer<Float>, ldc: Int) {
        guard M > 0, N > 0 else { return }
        if K == 0 {
            scale(C, M: M, N: N, ldc: ldc, beta: beta)
            return
        }
        if M == 1 {
            // One row: a matrix-vector product, which OpenBLAS runs several times faster than sgemm at M = 1.
            // C (1, N) = alpha · a · op(B) + beta · C, where a = row 0 of op(A) (stride lda when A is transposed).
            let incX = Int32(transA ? lda : 1)
            if transB {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(N), Int32(K), alpha, B, Int32(ldb), A, incX, beta, C, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(K), Int32(N), alpha, B, Int32(ldb), A, incX, beta, C, 1)
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(M), Int32(N), Int32(K), alpha, A, Int32(lda), B, Int32(ldb), beta, C, Int32(ldc))
    }

    /// The same product with three plain loops and a Double accumulator: the reference for tests.
    public static func naive(transA: Bool, transB: Bool, M: Int, N: Int, K: Int, alpha: Float = 1,
                             A: UnsafePointer<Float>, lda: Int, B: UnsafePointer<Float>, ldb: Int,
                             beta: Float, C: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<M {
            for j in 0..<N {
                var sum = 0.0
                for k in 0..<K {
                    let a = transA ? A[k * lda + i] : A[i * lda + k]
                    let b = transB ? B[j * ldb + k] : B[k * ldb + j]
                    sum += Double(a) * Double(b)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(C[i * ldc + j])
                C[i * ldc + j] = Float(Double(alpha) * sum + old)
            }
        }
    }

    private static func scale(_ C: UnsafeMutablePointer<Float>, M: Int, N: Int, ldc: Int, beta: Float) {
        for i in 0..<M {
            for j in 0..<N { C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j] }
        }
    }

    /// Sets the number of OpenBLAS threads (sampler + learner + BLAS threads must not exceed the cores).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
