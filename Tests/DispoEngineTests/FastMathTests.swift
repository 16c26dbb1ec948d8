// The vectorised element-wise kernels against libm and plain loops.
import DispoEngine
import Foundation
import XCTest

final class FastMathTests: XCTestCase {
    func test_exp_is_within_two_ulp_of_libm_over_the_range() {
        var worst: Float = 0, at: Float = 0
        var x: Float = -87.3
        while x < 88 {
            let got = FastMath.exp(x), want = Float(Foundation.exp(Double(x)))
            let ulps = abs(got - want) / want.ulp
            if ulps > worst { worst = ulps; at = x }
            x += 0.00731
        }
        XCTAssertLessThanOrEqual(worst, 2, "worst error \(worst) ulp at x = \(at)")
    }

    func test_exp_edges() {
        XCTAssertEqual(FastMath.exp(0), 1)
        XCTAssertEqual(FastMath.exp(-Float.infinity), 0)
        XCTAssertEqual(FastMath.exp(-100), 0)
        XCTAssertTrue(FastMath.exp(100).isFinite)
        XCTAssertEqual(FastMath.exp(1), Float(M_E), accuracy: 2 * Float(M_E).ulp)
        // Lanes are independent of their neighbours.
        let v = FastMath.exp(SIMD8<Float>(-1000, -2, -1, 0, 1, 2, 3, 50))
        for (i, x) in [-1000, -2, -1, 0, 1, 2, 3, 50].enumerated() { XCTAssertEqual(v[i], FastMath.exp(Float(x))) }
    }

    func test_row_kernels_match_plain_loops_for_every_tail_length() {
        for n in [1, 3, 7, 8, 9, 15, 16, 17, 40] {
            let x = randomFloats(n, seed: UInt64(n)).map { $0 * 6 }, y = randomFloats(n, seed: UInt64(100 + n))
            XCTAssertEqual(x.withUnsafeBufferPointer { FastMath.max($0.baseAddress!, n) }, x.max()!)
            let dot = FastMath.dot(x, y, n)
            XCTAssertEqual(dot, zip(x, y).map { $0 * $1 }.reduce(0, +), accuracy: 1e-5, "dot n = \(n)")

            var e = x
            let sum = FastMath.expShifted(&e, n, scale: 0.5, shift: 1)
            let want = x.map { Foundation.exp(Double($0) * 0.5 - 1) }
            XCTAssertEqual(Double(sum), want.reduce(0, +), accuracy: 1e-5 * want.reduce(0, +), "sum n = \(n)")
            for j in 0..<n { XCTAssertEqual(Double(e[j]), want[j], accuracy: 3e-7 * want[j], "exp n = \(n), j = \(j)") }

            var z = y
            FastMath.scale(&z, n, by: 2)
            for j in 0..<n { XCTAssertEqual(z[j], 2 * y[j]) }
            let p = y.map { abs($0) }
            var d = x
            FastMath.softmaxBackward(p, &d, n, dot: 0.5)
            for j in 0..<n { XCTAssertEqual(d[j], p[j] * (x[j] - 0.5)) }
        }
    }

    func test_swiglu_matches_the_formula_for_every_tail_length() {
        for F in [1, 5, 8, 13] {
            let N = 3
            let gu = randomFloats(N * 2 * F, seed: UInt64(F)).map { $0 * 8 }, dh = randomFloats(N * F, seed: 7)
            var h = [Float](repeating: 0, count: N * F), dgu = [Float](repeating: 0, count: N * 2 * F)
            SwiGLU.forward(out: &h, gateUp: gu, N: N, F: F)
            SwiGLU.backward(dGateUp: &dgu, dOut: dh, gateUp: gu, N: N, F: F)
            for n in 0..<N {
                for i in 0..<F {
                    let g = Double(gu[n * 2 * F + i]), u = Double(gu[n * 2 * F + F + i]), d = Double(dh[n * F + i])
                    let s = 1 / (1 + Foundation.exp(-g))
                    XCTAssertEqual(Double(h[n * F + i]), g * s * u, accuracy: 1e-5 * max(1, abs(g * s * u)))
                    XCTAssertEqual(Double(dgu[n * 2 * F + i]), d * u * s * (1 + g * (1 - s)), accuracy: 1e-5 * max(1, abs(d * u)))
                    XCTAssertEqual(Double(dgu[n * 2 * F + F + i]), d * g * s, accuracy: 1e-5 * max(1, abs(d * g)))
                }
            }
        }
    }
}
