// Packed decode weights: the packed product against the naive reference (every row-tile size, the row-major
// tail, bias, accumulation, thread splits), bf16 panels against the product of the rounded weights, and
// generation on packed weights against the BLAS path: same greedy tokens, log-probs within fp32 rounding;
// weights loaded straight from a directory give the same results as weights packed from a model; a model
// whose weights change is re-packed before the next generate.
import DispoEngine
import DispoSupport
import XCTest

/// A model whose projections have full panels and a tail (V 67, 2F 96, QKV 64), GQA 4/2.
func packedTestModel(family: String = "qwen2", tied: Bool) -> Transformer {
    let config = ModelConfig(modelType: family, vocabSize: 67, hiddenSize: 32, intermediateSize: 48, numHiddenLayers: 2,
                             numAttentionHeads: 4, numKeyValueHeads: 2, ropeTheta: 1000, maxPositionEmbeddings: 64,
                             tieWordEmbeddings: tied, initializerRange: 0.3)
    let m = Transformer(config: config)
    m.initializeRandom(seed: 11)
    for view in m.layout.tensors where view.shape.count == 1 {
        let noise = randomFloats(view.count, seed: UInt64(view.offset), scale: 0.2)
        for i in 0..<view.count { m.parameters[view.offset][i] += noise[i] }
    }
    return m
}


final class PackedDecodeTests: XCTestCase {
    func product(N: Int, IC: Int, OC: Int, bf16: Bool, accumulate: Bool, threads: Int) -> (got: [Float], want: [Float]) {
        let x = randomFloats(N * IC, seed: 1), w = randomFloats(OC * IC, seed: 2), b = randomFloats(OC, seed: 3)
        let start = randomFloats(N * OC, seed: 4)
        var got = start, want = start
        let rounded = bf16 ? w.map { BFloat16($0).float } : w
        Gemm.naive(transA: false, transB: true, M: N, N: OC, K: IC, A: x, lda: IC, B: rounded, ldb: IC,
                   beta: accumulate ? 1 : 0, C: &want, ldc: OC)
        for n in 0..<N { for o in 0..<OC { want[n * OC + o] += b[o] } }
        if bf16 {
            var packed = [BFloat16](repeating: BFloat16(bits: 0), count: OC * IC)
            PackedMatmul.pack(w, OC: OC, IC: IC, into: &packed) { BFloat16($0) }
            PackedMatmul.forward(out: &got, inp: x, weight: packed, bias: b, N: N, IC: IC, OC: OC, accumulate: accumulate, threads: threads)
        } else {
            var packed = [Float](repeating: 0, count: OC * IC)
            PackedMatmul.pack(w, OC: OC, IC: IC, into: &packed) { $0 }
            PackedMatmul.forward(out: &got, inp: x, weight: packed, bias: b, N: N, IC: IC, OC: OC, accumulate: accumulate, threads: threads)
        }
        return (got, want)
    }

    func test_packed_product_matches_naive_for_every_row_tile_and_the_tail() {
        for N in [1, 2, 3, 5, 6, 7, 13] {
            for (IC, OC) in [(9, 16), (24, 37), (8, 3), (40, 160)] {
                for bf16 in [false, true] {
                    let (got, want) = product(N: N, IC: IC, OC: OC, bf16: bf16, accumulate: N % 2 == 1, threads: 1 + N % 2)
                    for i in 0..<got.count {
                        XCTAssertEqual(got[i], want[i], accuracy: 1e-5 * max(1, abs(want[i])), "N \(N) \(OC)×\(IC) bf16 \(bf16) at \(i)")
                    }
                }
            }
        }
    }

    func test_packed_rows_do_not_depend_on_batch_size_or_threads() {
        let (alone, _) = product(N: 1, IC: 40, OC: 160, bf16: false, accumulate: false, threads: 1)
        let (many, _) = product(N: 7, IC: 40, OC: 160, bf16: false, accumulate: false, threads: 2)
        XCTAssertEqual(Array(many[0..<160]), alone, "row 0 alone and in a block of 6 give the same bits")
        XCTAssertEqual(PackedMatmul.element((0..<48).map { Float($0) }, o: 2, k: 1, OC: 3, IC: 16), 33, "tail rows stay row-major")
    }

    func model(family: String = "qwen2", tied: Bool) -> Transformer { packedTestModel(family: family, tied: tied) }

    let prompts: [[Int32]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 0, 66]]

    func generate(_ g: Generator, _ p: SamplingParameters) throws -> [GenerationResult] {
        try g.generate(prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 5, prompt: UInt64($0))) },
                       parameters: p)
    }

    func test_packed_generation_matches_blas_generation() throws {
        for (family, tied) in [("qwen2", true), ("llama", false), ("qwen3", false)] {
            let m = model(family: family, tied: tied)
            for p in [SamplingParameters.greedy(maxNewTokens: 12), SamplingParameters(temperature: 0.8, maxNewTokens: 12)] {
                let blas = try generate(Generator(model: m, slots: 3, capacity: 24, kernel: .blas), p)
                let packed = try generate(Generator(model: m, slots: 3, capacity: 24, kernel: .packed(.f32)), p)
                XCTAssertEqual(packed.map(\.tokens), blas.map(\.tokens), family)
                for (a, b) in zip(packed.flatMap(\.logProbs), blas.flatMap(\.logProbs)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
                // bf16 weights: rounding each weight by ≤ 2⁻⁹ moves these log-probs by well under 0.05.
                let bf16 = try generate(Generator(model: m, slots: 3, capacity: 24, kernel: .packed(.bf16)), .greedy(maxNewTokens: 1))
                let reference = try generate(Generator(model: m, slots: 3, capacity: 24, kernel: .blas), .greedy(maxNewTokens: 1))
                for (a, b) in zip(bf16.flatMap(\.logProbs), reference.flatMap(\.logProbs)) { XCTAssertEqual(a, b, accuracy: 0.05) }
            }
        }
    }

    func test_weights_loaded_from_a_directory_decode_like_weights_packed_from_the_model() throws {
        let m = model(tied: true)
        let dir = temporaryDirectory("decode-weights")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try m.save(directory: dir)
        for precision in DecodeWeights.Precision.allCases {
            let loaded = try DecodeWeights.load(directory: dir, precision: precision)
            let fromModel = try generate(Generator(model: m, slots: 4, capacity: 24, kernel: .packed(precision)), .greedy(maxNewTokens: 10))
            let alone = try generate(Generator(weights: loaded, slots: 4, capacity: 24, threads: 2), .greedy(maxNewTokens: 10))
            XCTAssertEqual(alone, fromModel, "\(precision): prompts of ≤ 64 rows take the packed kernels on both")
            XCTAssertLessThan(loaded.bytes, precision == .f32 ? 4 * m.parameterCount + 4096 : 2 * m.parameterCount + 4096)
        }
    }

    func test_a_generator_repacks_when_the_model_weights_change() throws {
        let m = model(tied: false), other = model(tied: false)
        other.initializeRandom(seed: 99)
        let g = Generator(model: m, slots: 4, capacity: 24, kernel: .packed(.f32))
        let before = try generate(g, .greedy(maxNewTokens: 8))
        m.parameters.copy(from: other.parameters)
        let after = try generate(g, .greedy(maxNewTokens: 8))
        let fresh = try generate(Generator(model: m, slots: 4, capacity: 24, kernel: .packed(.f32)), .greedy(maxNewTokens: 8))
        XCTAssertEqual(after, fresh)
        XCTAssertNotEqual(after.map(\.tokens), before.map(\.tokens))
    }

    func test_automatic_kernel_keeps_blas_for_small_models() {
        XCTAssertEqual(DecodeKernel.automatic(for: tinyConfig()), .blas)
        let big = ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24,
                              numAttentionHeads: 14, numKeyValueHeads: 2, tieWordEmbeddings: true)
        XCTAssertEqual(DecodeKernel.automatic(for: big), .packed(.f32))
    }
}

final class DecodeWeightsFileTests: XCTestCase {
    func test_saved_decode_weights_reload_exactly_and_refuse_corruption() throws {
        let m = packedTestModel(tied: false)
        let dir = temporaryDirectory("decode-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = DecodeWeights(model: m, precision: .bf16)
        try weights.save(path: dir + "/w.bin")
        let loaded = try DecodeWeights.load(path: dir + "/w.bin", config: m.config, precision: .bf16)
        let prompts: [[Int32]] = [[1, 2, 3], [4, 5]]
        let requests = prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 3, prompt: UInt64($0))) }
        let a = try Generator(weights: weights, slots: 2, capacity: 16).generate(requests, parameters: SamplingParameters(maxNewTokens: 6))
        let b = try Generator(weights: loaded, slots: 2, capacity: 16).generate(requests, parameters: SamplingParameters(maxNewTokens: 6))
        XCTAssertEqual(a, b)
        XCTAssertThrowsError(try DecodeWeights.load(path: dir + "/w.bin", config: m.config, precision: .f32))
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: dir + "/w.bin")))
        bytes[bytes.count / 2] ^= 0x10
        try AtomicFile.write(bytes, to: dir + "/w.bin")
        XCTAssertThrowsError(try DecodeWeights.load(path: dir + "/w.bin", config: m.config, precision: .bf16)) { error in
            XCTAssertTrue("\(error)".contains("checksum"), "\(error)")
        }
    }
}
