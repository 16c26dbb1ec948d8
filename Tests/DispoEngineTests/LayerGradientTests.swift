// Finite-difference gradient checks of every layer kind, on L = Σ w ⊙ out with fixed random w.
import DispoEngine
import XCTest

final class LayerGradientTests: XCTestCase {
    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

    func test_rmsnorm_gradients() {
        let (N, C) = (3, 6)
        let x = Floats(randomFloats(N * C, seed: 1)), w = Floats(randomFloats(C, seed: 2))
        let probe = randomFloats(N * C, seed: 3)
        func loss() -> Double {
            var y = [Float](repeating: 0, count: N * C), r = [Float](repeating: 0, count: N)
            RMSNorm.forward(out: &y, rstd: &r, inp: x.p, weight: w.p, N: N, C: C, eps: 1e-5)
            return dot(y, probe)
        }
        var y = [Float](repeating: 0, count: N * C), r = [Float](repeating: 0, count: N)
        RMSNorm.forward(out: &y, rstd: &r, inp: x.p, weight: w.p, N: N, C: C, eps: 1e-5)
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C)
        RMSNorm.backward(dInp: &dx, dWeight: &dw, dOut: probe, inp: x.p, weight: w.p, rstd: r, N: N, C: C)
        checkGradient("dx", x: x.p, indices: Array(0..<(N * C)), analytic: { dx[$0] }, loss: loss, eps: 1e-3)
        checkGradient("dw", x: w.p, indices: Array(0..<C), analytic: { dw[$0] }, loss: loss, eps: 1e-3)
    }

    func test_swiglu_gradients() {
        let (N, F) = (2, 5)
        let gu = Floats(randomFloats(N * 2 * F, seed: 4, scale: 3))
        let probe = randomFloats(N * F, seed: 5)
        func loss() -> Double {
            var h = [Float](repeating: 0, count: N * F)
            SwiGLU.forward(out: &h, gateUp: gu.p, N: N, F: F)
            return dot(h, probe)
        }
        var dgu = [Float](repeating: 0, count: N * 2 * F)
        SwiGLU.backward(dGateUp: &dgu, dOut: probe, gateUp: gu.p, N: N, F: F)
        checkGradient("dgateUp", x: gu.p, indices: Array(0..<(N * 2 * F)), analytic: { dgu[$0] }, loss: loss, eps: 1e-3)
    }

    func test_rope_inverse_is_the_transpose_and_matches_rotate_half() {
        let (N, heads, HS) = (3, 2, 4)
        let table = RopeTable(theta: 10000, headSize: HS)
        table.reserve(8)
        let positions: [Int32] = [0, 1, 5]
        let x = randomFloats(N * heads * HS, seed: 6), probe = randomFloats(N * heads * HS, seed: 7)
        var y = x
        Rope.apply(qkv: &y, positions: positions, table: table, N: N, rowStride: heads * HS, heads: heads)
        // rotate_half by hand for row 2, head 0: angle_i = 5 · 10000^(−2i/HS).
        for i in 0..<2 {
            let angle = 5 * pow(10000.0, -Double(2 * i) / Double(HS))
            let a = Double(x[2 * 8 + i]), b = Double(x[2 * 8 + i + 2])
            XCTAssertEqual(Double(y[2 * 8 + i]), a * cos(angle) - b * sin(angle), accuracy: 1e-5)
            XCTAssertEqual(Double(y[2 * 8 + i + 2]), b * cos(angle) + a * sin(angle), accuracy: 1e-5)
        }
        XCTAssertEqual(Array(y[0..<8]), Array(x[0..<8]), "position 0 is the identity")
        // ⟨R x, p⟩ = ⟨x, Rᵀ p⟩
        var back = probe
        Rope.apply(qkv: &back, positions: positions, table: table, N: N, rowStride: heads * HS, heads: heads, inverse: true)
        XCTAssertEqual(dot(y, probe), dot(x, back), accuracy: 1e-5)
    }

    func test_attention_gradients_with_gqa_and_padding() {
        let s = AttentionShape(B: 2, T: 4, NH: 4, KVH: 2, HS: 3)
        let lengths: [Int32] = [4, 3]
        let qkv = Floats(randomFloats(s.B * s.T * s.QKV, seed: 8))
        var probe = randomFloats(s.B * s.T * s.QD, seed: 9)
        for t in 3..<4 { for i in 0..<s.QD { probe[(1 * s.T + t) * s.QD + i] = 0 } }  // padding has no gradient
        var lse = [Float](repeating: 0, count: s.B * s.NH * s.T), p = [Float](repeating: 0, count: s.T * s.T)
        func loss() -> Double {
            var out = [Float](repeating: 0, count: s.B * s.T * s.QD)
            Attention.forward(out: &out, logSumExp: &lse, scratch: &p, qkv: qkv.p, lengths: lengths, shape: s)
            return dot(out, probe)
        }
        _ = loss()
        var dqkv = [Float](repeating: 0, count: qkv.count), dp = [Float](repeating: 0, count: s.T * s.T)
        Attention.backward(dQKV: &dqkv, probs: &p, dProbs: &dp, dOut: probe, qkv: qkv.p, logSumExp: lse,
                           lengths: lengths, shape: s)
        checkGradient("dqkv", x: qkv.p, indices: Array(0..<qkv.count), analytic: { dqkv[$0] }, loss: loss, eps: 1e-3)
        // Naive kernels agree with BLAS, forward and backward.
        var o1 = [Float](repeating: 0, count: s.B * s.T * s.QD), o2 = o1, lse2 = lse
        Attention.forward(out: &o1, logSumExp: &lse, scratch: &p, qkv: qkv.p, lengths: lengths, shape: s)
        Attention.forward(out: &o2, logSumExp: &lse2, scratch: &p, qkv: qkv.p, lengths: lengths, shape: s, naive: true)
        for i in 0..<o1.count { XCTAssertEqual(o1[i], o2[i], accuracy: 1e-6) }
        var d2 = dqkv
        Attention.backward(dQKV: &d2, probs: &p, dProbs: &dp, dOut: probe, qkv: qkv.p, logSumExp: lse,
                           lengths: lengths, shape: s, naive: true)
        for i in 0..<d2.count { XCTAssertEqual(d2[i], dqkv[i], accuracy: 1e-5) }
    }

    func test_attention_in_causal_row_blocks_matches_the_whole_square() {
        // Blocks of 4 rows over T = 10 (two full blocks and a partial one), with GQA and a short and an empty
        // sequence: finite differences, then the same values as one block covering every row.
        let s = AttentionShape(B: 3, T: 10, NH: 4, KVH: 2, HS: 3)
        let lengths: [Int32] = [10, 5, 0]
        let qkv = Floats(randomFloats(s.B * s.T * s.QKV, seed: 18))
        var probe = randomFloats(s.B * s.T * s.QD, seed: 19)
        for b in 1..<s.B { for t in Int(lengths[b])..<s.T { for i in 0..<s.QD { probe[(b * s.T + t) * s.QD + i] = 0 } } }
        var lse = [Float](repeating: 0, count: s.B * s.NH * s.T), p = [Float](repeating: 0, count: s.T * s.T)
        func run(block: Int) -> (out: [Float], lse: [Float], dqkv: [Float]) {
            var out = [Float](repeating: 0, count: s.B * s.T * s.QD)
            Attention.forward(out: &out, logSumExp: &lse, scratch: &p, qkv: qkv.p, lengths: lengths, shape: s, block: block)
            var dqkv = [Float](repeating: 0, count: qkv.count), dp = [Float](repeating: 0, count: s.T * s.T)
            Attention.backward(dQKV: &dqkv, probs: &p, dProbs: &dp, dOut: probe, qkv: qkv.p, logSumExp: lse,
                               lengths: lengths, shape: s, block: block)
            return (out, lse, dqkv)
        }
        let blocked = run(block: 4), whole = run(block: s.T)
        func loss() -> Double {
            var out = [Float](repeating: 0, count: s.B * s.T * s.QD)
            Attention.forward(out: &out, logSumExp: &lse, scratch: &p, qkv: qkv.p, lengths: lengths, shape: s, block: 4)
            return dot(out, probe)
        }
        checkGradient("dqkv", x: qkv.p, indices: Array(0..<qkv.count), analytic: { blocked.dqkv[$0] }, loss: loss, eps: 1e-3)
        for i in 0..<whole.out.count { XCTAssertEqual(blocked.out[i], whole.out[i], accuracy: 1e-6, "out \(i)") }
        for i in 0..<whole.lse.count { XCTAssertEqual(blocked.lse[i], whole.lse[i], accuracy: 1e-6, "lse \(i)") }
        for i in 0..<whole.dqkv.count { XCTAssertEqual(blocked.dqkv[i], whole.dqkv[i], accuracy: 1e-5, "dqkv \(i)") }
    }

    func test_attention_on_several_threads_is_bit_identical() {
        let s = AttentionShape(B: 3, T: 9, NH: 4, KVH: 2, HS: 5)
        let lengths: [Int32] = [9, 4, 7]
        let qkv = randomFloats(s.B * s.T * s.QKV, seed: 28), dOut = randomFloats(s.B * s.T * s.QD, seed: 29)
        func run(threads: Int) -> [Float] {
            var out = [Float](repeating: 0, count: s.B * s.T * s.QD), lse = [Float](repeating: 0, count: s.B * s.NH * s.T)
            var p = [Float](repeating: 0, count: threads * s.T * s.T), dp = p
            var dqkv = [Float](repeating: 0, count: qkv.count)
            Attention.forward(out: &out, logSumExp: &lse, scratch: &p, qkv: qkv, lengths: lengths, shape: s, block: 4,
                              threads: threads)
            Attention.backward(dQKV: &dqkv, probs: &p, dProbs: &dp, dOut: dOut, qkv: qkv, logSumExp: lse,
                               lengths: lengths, shape: s, block: 4, threads: threads)
            return out + lse + dqkv
        }
        let one = run(threads: 1)
        XCTAssertTrue(one.contains { $0 != 0 })
        for threads in [2, 3] { XCTAssertEqual(run(threads: threads), one, "\(threads) threads") }
    }

    func test_logprob_and_entropy_gradients_with_temperature() {
        let (N, V) = (3, 7)
        let logits = Floats(randomFloats(N * V, seed: 10, scale: 4))
        let targets: [Int32] = [2, -1, 6]
        let c: [Float] = [0.7, 5, -1.3], e: [Float] = [0.4, 5, -0.9]
        let tau: Float = 0.6
        func loss() -> Double {
            var lp = [Float](repeating: 0, count: N), h = lp, lse = lp
            TokenLogProbs.forward(logProbs: &lp, entropies: &h, logSumExp: &lse, logits: logits.p, targets: targets,
                                  N: N, V: V, temperature: tau)
            return dot(lp, c) + dot(h, e)
        }
        var lp = [Float](repeating: 0, count: N), h = lp, lse = lp
        TokenLogProbs.forward(logProbs: &lp, entropies: &h, logSumExp: &lse, logits: logits.p, targets: targets, N: N, V: V, temperature: tau)
        // Reference values in Double.
        for n in [0, 2] {
            let u = (0..<V).map { Double(logits.p[n * V + $0]) / Double(tau) }
            let m = u.max()!, lz = m + log(u.map { exp($0 - m) }.reduce(0, +))
            XCTAssertEqual(Double(lp[n]), u[Int(targets[n])] - lz, accuracy: 1e-5)
            XCTAssertEqual(Double(h[n]), -u.map { exp($0 - lz) * ($0 - lz) }.reduce(0, +), accuracy: 1e-5)
        }
        XCTAssertEqual(lp[1], 0)
        var grad = logits.array
        TokenLogProbs.backward(logits: &grad, logProbCoefficients: c, entropyCoefficients: e, targets: targets,
                               logSumExp: lse, entropies: h, N: N, V: V, temperature: tau)
        checkGradient("dlogits", x: logits.p, indices: Array(0..<(N * V)), analytic: { grad[$0] }, loss: loss, eps: 1e-3)
    }

    func test_embedding_gradient_accumulates_repeated_ids_and_skips_padding() {
        let table = randomFloats(4 * 2, seed: 11)
        var out = [Float](repeating: 9, count: 3 * 2)
        let ids: [Int32] = [2, -1, 2]
        Embedding.forward(out: &out, ids: ids, table: table, N: 3, C: 2)
        XCTAssertEqual(out, [table[4], table[5], 0, 0, table[4], table[5]])
        var dTable = [Float](repeating: 0, count: 8)
        Embedding.backward(dTable: &dTable, dOut: [1, 2, 3, 4, 5, 6], ids: ids, N: 3, C: 2)
        XCTAssertEqual(dTable, [0, 0, 0, 0, 6, 8, 0, 0])
    }

    func test_qk_norm_gradients() {
        let (N, NH, KVH, HS) = (2, 2, 1, 4)
        let QKV = (NH + 2 * KVH) * HS, QK = (NH + KVH) * HS
        let x = Floats(randomFloats(N * QKV, seed: 12, scale: 2))
        let qw = Floats(randomFloats(HS, seed: 13)), kw = Floats(randomFloats(HS, seed: 14))
        let probe = randomFloats(N * QKV, seed: 15)
        func loss() -> Double {
            var y = x.array
            QKNorm.forward(qkv: &y, pre: nil, rstd: nil, qWeight: qw.p, kWeight: kw.p, N: N, NH: NH, KVH: KVH, HS: HS, eps: 1e-6)
            return dot(y, probe)
        }
        var y = x.array, pre = [Float](repeating: 0, count: N * QK), rstd = [Float](repeating: 0, count: N * (NH + KVH))
        QKNorm.forward(qkv: &y, pre: &pre, rstd: &rstd, qWeight: qw.p, kWeight: kw.p, N: N, NH: NH, KVH: KVH, HS: HS, eps: 1e-6)
        XCTAssertEqual(Array(y[(QK)..<QKV]), Array(x.array[(QK)..<QKV]), "v is untouched")
        var d = probe, dq = [Float](repeating: 0, count: HS), dk = dq, scratch = [Float](repeating: 0, count: N * QK)
        QKNorm.backward(dQKV: &d, dQWeight: &dq, dKWeight: &dk, scratch: &scratch, pre: pre, rstd: rstd, qWeight: qw.p,
                        kWeight: kw.p, N: N, NH: NH, KVH: KVH, HS: HS)
        checkGradient("dqkv", x: x.p, indices: Array(0..<(N * QKV)), analytic: { d[$0] }, loss: loss, eps: 1e-3)
        checkGradient("dq_norm", x: qw.p, indices: Array(0..<HS), analytic: { dq[$0] }, loss: loss, eps: 1e-3)
        checkGradient("dk_norm", x: kw.p, indices: Array(0..<HS), analytic: { dk[$0] }, loss: loss, eps: 1e-3)
    }
}

