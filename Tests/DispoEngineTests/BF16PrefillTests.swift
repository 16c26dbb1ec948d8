// bf16 prefill (PrefillPrecision.bf16, oneDNN): each product equals the exact product of the bf16-rounded
// operands up to fp32 accumulation, with bias, accumulation and every row count; a generator's logits after its
// prompts stay within the tolerance `Generator.usePrefillPrecision` states against the fp32 path (and do differ
// from it: the products really are bf16); the bf16 copy follows weight changes of a model and of packed weights.
// On a CPU without AVX512-BF16/AMX (or a build without the OneDNN trait) asking for it fails with the reason, and the
// other tests are skipped, saying why; on a CPU with AVX512-BF16 they must run.
@testable import DispoEngine
import DispoSupport
import XCTest

final class BF16PrefillTests: XCTestCase {
    /// Whether this machine must run bf16 products: built with oneDNN and a CPU with AVX512-BF16 or AMX.
    var expectAvailable: Bool {
        #if OneDNN
        let flags = CPUFeatures.flags()
        return flags.contains("avx512_bf16") || flags.contains("amx_bf16")
        #else
        return false
        #endif
    }

    /// true where bf16 products run; a failure where this CPU should run them and cannot; else the test is skipped.
    func requireAvailable() throws -> Bool {
        guard let why = BF16Products.availability() else { return true }
        if expectAvailable {
            XCTFail("this CPU has AVX512-BF16: bf16 products must be available, but: \(why)")
            return false
        }
        throw XCTSkip("bf16 products cannot run here: \(why)")
    }

    func test_bf16_prefill_is_refused_with_the_reason_where_it_cannot_run() throws {
        guard let why = BF16Products.availability() else { throw XCTSkip("bf16 products run here") }
        XCTAssertFalse(expectAvailable, why)
        let g = Generator(model: packedTestModel(tied: true), slots: 1, capacity: 8)
        XCTAssertThrowsError(try g.usePrefillPrecision(.bf16)) { error in
            XCTAssertTrue("\(error)".contains(why), "\(error)")
        }
        XCTAssertEqual(g.prefillPrecision, .f32)
        XCTAssertEqual(g.prefillWeightBytes, 0)
    }

    func test_a_bf16_product_is_the_exact_product_of_the_rounded_operands() throws {
        guard try requireAvailable() else { return }
        let products = try BF16Products()
        let shapes = [(IC: 96, OC: 80), (IC: 40, OC: 67)]
        let indices = try shapes.map { try products.addMatrix(OC: $0.OC, IC: $0.IC) }
        for (s, (IC, OC)) in shapes.enumerated() {
            let w = randomFloats(OC * IC, seed: 20 + UInt64(s)), b = randomFloats(OC, seed: 30)
            try products.store(indices[s], from: w, threads: 2)
            for N in [1, 7, 64, 300] {
                for (accumulate, bias) in [(false, false), (true, true), (false, true)] {
                    let x = randomFloats(N * IC, seed: UInt64(N)), start = randomFloats(N * OC, seed: 40)
                    var got = start
                    try products.forward(indices[s], out: &got, inp: x, bias: bias ? b : nil, N: N, accumulate: accumulate, threads: 2)
                    for n in 0..<N {
                        for o in 0..<OC {
                            var sum = 0.0, magnitude = 0.0
                            for k in 0..<IC {
                                let p = Double(BFloat16(x[n * IC + k]).float) * Double(BFloat16(w[o * IC + k]).float)
                                sum += p; magnitude += abs(p)
                            }
                            if accumulate { sum += Double(start[n * OC + o]) }
                            if bias { sum += Double(b[o]) }
                            // Products of two bf16 values are exact in fp32; only the fp32 sums round.
                            XCTAssertEqual(Double(got[n * OC + o]), sum, accuracy: 1e-5 * (magnitude + 1),
                                           "N \(N) IC \(IC) OC \(OC) accumulate \(accumulate) bias \(bias) at (\(n), \(o))")
                        }
                    }
                }
            }
        }
        XCTAssertEqual(products.bytes >= 2 * (96 * 80 + 40 * 67), true, "bf16 storage holds every weight")
        // More row counts than the primitive caches keep: they start over, and results stay the same bits.
        let x = randomFloats(7 * 40, seed: 99)
        var first = [Float](repeating: 0, count: 7 * 67), again = first, scratch = [Float](repeating: 0, count: 300 * 67)
        try products.forward(indices[1], out: &first, inp: x, bias: nil, N: 7, accumulate: false, threads: 2)
        let rows = randomFloats(300 * 40, seed: 98)
        for N in 1...(BF16Products.cachedPrimitives + 10) {        // ≤ 300 rows
            try products.forward(indices[1], out: &scratch, inp: rows, bias: nil, N: N, accumulate: false, threads: 1)
        }
        try products.forward(indices[1], out: &again, inp: x, bias: nil, N: 7, accumulate: false, threads: 2)
        XCTAssertTrue(first == again)
    }

    /// Logits after each prompt (S, V), through the generator's prefill.
    func prefillLogits(_ g: Generator, _ prompts: [[Int32]]) throws -> [Float] { try g.promptLogits(prompts) }

    /// Relative Frobenius error and the largest error relative to the reference's root-mean-square.
    func errors(_ got: [Float], _ want: [Float]) -> (frobenius: Double, maxOverRMS: Double) {
        var num = 0.0, den = 0.0, worst = 0.0
        for (a, b) in zip(got, want) { let d = Double(a - b); num += d * d; den += Double(b) * Double(b); worst = max(worst, abs(d)) }
        return ((num / den).squareRoot(), worst / (den / Double(want.count)).squareRoot())
    }

    func test_bf16_prefill_logits_stay_within_the_stated_tolerance_of_fp32() throws {
        guard try requireAvailable() else { return }
        let config = ModelConfig(modelType: "qwen2", vocabSize: 300, hiddenSize: 128, intermediateSize: 320, numHiddenLayers: 3,
                                 numAttentionHeads: 4, numKeyValueHeads: 2, ropeTheta: 10_000, maxPositionEmbeddings: 256,
                                 tieWordEmbeddings: true, initializerRange: 0.05)
        let m = Transformer(config: config)
        m.initializeRandom(seed: 3)
        var rng = SplitMix64(seed: 9)
        let prompts: [[Int32]] = [90, 1, 150, 33].map { n in (0..<n).map { _ in Int32(rng.next() % 300) } }
        for kernel in [DecodeKernel.blas, .packed(.f32)] {
            let fp32 = Generator(model: m, slots: 4, capacity: 200, kernel: kernel)
            fp32.prefillRows = 100     // chunks that split prompts: earlier positions come from the cache
            let reference = try prefillLogits(fp32, prompts)
            let g = Generator(model: m, slots: 4, capacity: 200, kernel: kernel)
            g.prefillRows = 100
            try g.usePrefillPrecision(.bf16)
            XCTAssertEqual(g.prefillPrecision, .bf16)
            let bf16 = try prefillLogits(g, prompts)
            let e = errors(bf16, reference)
            print("bf16 prefill, \(kernel): relative Frobenius error \(e.frobenius), max error / RMS \(e.maxOverRMS)")
            XCTAssertLessThanOrEqual(e.frobenius, 0.015, "\(kernel): the bound usePrefillPrecision states")
            XCTAssertLessThanOrEqual(e.maxOverRMS, 0.03, "\(kernel)")
            XCTAssertGreaterThan(e.frobenius, 1e-5, "\(kernel): the products ran in bf16, not fp32")
            // Generation goes on from the bf16 cache, with fp32 decode steps, and back to fp32 prefill on request.
            let requests = prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 1, prompt: UInt64($0))) }
            let results = try g.generate(requests, parameters: .greedy(maxNewTokens: 6))
            XCTAssertEqual(results.map(\.tokens.count), [6, 6, 6, 6])
            try g.usePrefillPrecision(.f32)
            XCTAssertEqual(g.prefillWeightBytes, 0)
            XCTAssertTrue(try prefillLogits(g, prompts) == reference, "\(kernel): fp32 prefill again gives the reference bits")
        }
    }

    func test_the_bf16_copy_follows_weight_changes() throws {
        guard try requireAvailable() else { return }
        let m = packedTestModel(tied: false), other = packedTestModel(tied: false)
        other.initializeRandom(seed: 77)
        let prompts: [[Int32]] = [[1, 2, 3, 4, 5, 6], [7, 8, 9]]
        // A generator over the model: its arena changes.
        let g = Generator(model: m, slots: 2, capacity: 16, kernel: .packed(.f32))
        try g.usePrefillPrecision(.bf16)
        let before = try prefillLogits(g, prompts)
        m.parameters.copy(from: other.parameters)
        let fresh = Generator(model: m, slots: 2, capacity: 16, kernel: .packed(.f32))
        try fresh.usePrefillPrecision(.bf16)
        let after = try prefillLogits(g, prompts)
        XCTAssertTrue(after == (try prefillLogits(fresh, prompts)))
        XCTAssertTrue(after != before)
        // A generator over packed weights: they are refreshed in place.
        let packed = DecodeWeights(model: other, precision: .bf16)
        let w = Generator(weights: packed, slots: 2, capacity: 16, threads: 2)
        try w.usePrefillPrecision(.bf16)
        let first = try prefillLogits(w, prompts)
        let third = packedTestModel(tied: false)
        third.initializeRandom(seed: 5)
        packed.refresh(from: third)
        let second = try prefillLogits(w, prompts)
        let rebuilt = Generator(weights: DecodeWeights(model: third, precision: .bf16), slots: 2, capacity: 16, threads: 2)
        try rebuilt.usePrefillPrecision(.bf16)
        XCTAssertTrue(second == (try prefillLogits(rebuilt, prompts)))
        XCTAssertTrue(second != first)
    }
}
