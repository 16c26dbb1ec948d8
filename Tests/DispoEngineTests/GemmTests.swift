// BLAS GEMM and the Matmul layer against their naive references.
import DispoEngine
import Foundation
import XCTest

final class GemmTests: XCTestCase {
    func test_sgemm_matches_naive_for_every_transpose_and_stride() {
        for M in [7, 1] { check(M: M) }
    }

    func check(M: Int) {
        let (N, K) = (5, 9)
        for transA in [false, true] {
            for transB in [false, true] {
                let lda = (transA ? M : K) + 2, ldb = (transB ? K : N) + 3, ldc = N + 1
                let A = randomFloats((transA ? K : M) * lda, seed: 1)
                let B = randomFloats((transB ? N : K) * ldb, seed: 2)
                var C1 = randomFloats(M * ldc, seed: 3), C2 = C1
                Gemm.run(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, A: A, lda: lda, B: B, ldb: ldb,
                         beta: 0.25, C: &C1, ldc: ldc)
                Gemm.naive(transA: transA, transB: transB, M: M, N: N, K: K, alpha: 0.5, A: A, lda: lda, B: B, ldb: ldb,
                           beta: 0.25, C: &C2, ldc: ldc)
                for i in 0..<C1.count { XCTAssertEqual(C1[i], C2[i], accuracy: 1e-5, "transA \(transA) transB \(transB) at \(i)") }
            }
        }
    }

    func test_matmul_forward_and_backward_match_naive() {
        let (N, IC, OC) = (6, 5, 4)
        let x = randomFloats(N * IC, seed: 4), w = randomFloats(OC * IC, seed: 5), b = randomFloats(OC, seed: 6)
        let dy = randomFloats(N * OC, seed: 7)
        var results: [[Float]] = []
        for naive in [false, true] {
            var y = [Float](repeating: 0, count: N * OC), dx = randomFloats(N * IC, seed: 8)
            var dw = randomFloats(OC * IC, seed: 9), db = randomFloats(OC, seed: 10)
            Matmul.forward(out: &y, inp: x, weight: w, bias: b, N: N, IC: IC, OC: OC, naive: naive)
            Matmul.backward(dInp: &dx, dWeight: &dw, dBias: &db, dOut: dy, inp: x, weight: w, N: N, IC: IC, OC: OC,
                            accumulateInput: true, naive: naive)
            results.append(y + dx + dw + db)
        }
        for i in 0..<results[0].count { XCTAssertEqual(results[0][i], results[1][i], accuracy: 1e-5, "element \(i)") }
    }

    func test_matmul_forward_of_a_few_rows_in_slices_matches_naive() {
        // 3 rows × 1000 outputs × 300 inputs is above the slicing threshold: slices of 272 outputs, the last partial.
        let (N, IC, OC) = (3, 300, 1000)
        let x = randomFloats(N * IC, seed: 14), w = randomFloats(OC * IC, seed: 15), b = randomFloats(OC, seed: 16)
        let start = randomFloats(N * OC, seed: 17)
        var fast = start, slow = start
        Matmul.forward(out: &fast, inp: x, weight: w, bias: b, N: N, IC: IC, OC: OC, accumulate: true)
        Matmul.forward(out: &slow, inp: x, weight: w, bias: b, N: N, IC: IC, OC: OC, accumulate: true, naive: true)
        for i in 0..<fast.count { XCTAssertEqual(fast[i], slow[i], accuracy: 2e-4, "element \(i)") }
    }

    func test_model_with_naive_kernels_matches_blas() throws {
        let model = tinyModel()
        let batch = TokenBatch(sequences: [[1, 2, 3, 4, 5], [6, 7, 8]])
        let fast = try model.forward(batch, temperature: 0.9)
        try model.backward(logProbCoefficients: randomFloats(10, seed: 3))
        let fastGrads = Array(model.gradients.buffer)
        model.zeroGradients()
        model.useNaiveKernels = true
        let slow = try model.forward(batch, temperature: 0.9)
        try model.backward(logProbCoefficients: randomFloats(10, seed: 3))
        for i in 0..<10 { XCTAssertEqual(fast.logProbs[i], slow.logProbs[i], accuracy: 1e-5) }
        XCTAssertLessThan(relativeError(fastGrads, model.gradients.base, count: fastGrads.count), 1e-5)
    }
}

final class BLASRuntimeTests: XCTestCase {
    func test_recommends_a_kernel_only_for_generic_fallbacks() {
        XCTAssertEqual(BLASRuntime.recommendedCoreType(cpuFlags: ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"],
                                                       current: "Prescott"), "SkylakeX")
        XCTAssertEqual(BLASRuntime.recommendedCoreType(cpuFlags: ["avx2", "fma"], current: "Prescott"), "Haswell")
        XCTAssertNil(BLASRuntime.recommendedCoreType(cpuFlags: ["avx2", "fma"], current: "Zen"))
        XCTAssertNil(BLASRuntime.recommendedCoreType(cpuFlags: ["sse3"], current: "Prescott"))
        XCTAssertFalse(BLASRuntime.coreName.isEmpty)
    }
}
