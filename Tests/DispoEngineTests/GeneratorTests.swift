// Incremental decoding with the KV cache: greedy parity with transformers, cached = uncached, independence
// from batch composition, stop tokens; the sampler's truncation rules and determinism.
import DispoEngine
import DispoSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class GeneratorTests: XCTestCase {
    func test_batched_greedy_generation_matches_transformers() throws {
        for name in Fixtures.names {
            let model = try Transformer.load(directory: Fixtures.root + "/" + name)
            let expected = try Expected.load(name)
            let generator = Generator(model: model, slots: 4, capacity: 32)
            let requests = expected.greedy.prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 0, prompt: UInt64($0))) }
            let results = try generator.generate(requests, parameters: .greedy(maxNewTokens: expected.greedy.max_new_tokens))
            XCTAssertEqual(results.map(\.tokens), expected.greedy.outputs, name)
            XCTAssertTrue(results.allSatisfy { $0.finishReason == .length })
        }
    }

    /// Reference decoding without a cache: the training forward over the whole sequence at every step.
    func uncached(_ model: Transformer, _ request: GenerationRequest, _ p: SamplingParameters) throws -> GenerationResult {
        var sampler = TokenSampler(parameters: p)
        var rng = SplitMix64(seed: request.key.seed)
        var seq = request.prompt
        var result = GenerationResult(tokens: [], logProbs: [], finishReason: .length)
        for _ in 0..<p.maxNewTokens {
            _ = try model.forward(TokenBatch(sequences: [seq]))
            let logits = try model.logits(batchIndex: 0, position: seq.count - 1)
            let (token, logProb) = logits.withUnsafeBufferPointer { sampler.pick(logits: $0.baseAddress!, V: logits.count, rng: &rng) }
            result.tokens.append(token)
            result.logProbs.append(logProb)
            seq.append(token)
            if p.stopTokens.contains(token) { result.finishReason = .stop; break }
        }
        return result
    }

    func test_cached_and_uncached_decoding_agree_and_ignore_batch_composition() throws {
        let model = tinyModel(family: "qwen2")
        let p = SamplingParameters(temperature: 0.9, topP: 0.95, topK: 8, maxNewTokens: 6, stopTokens: [])
        let prompts: [[Int32]] = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 0]]
        let requests = prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 42, step: 3, prompt: UInt64($0))) }
        let generator = Generator(model: model, slots: 3, capacity: 16)   // 4 requests: two groups
        let batched = try generator.generate(requests, parameters: p)
        for (i, r) in requests.enumerated() {
            let reference = try uncached(model, r, p)
            XCTAssertEqual(batched[i].tokens, reference.tokens, "request \(i)")
            for (a, b) in zip(batched[i].logProbs, reference.logProbs) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            let alone = try Generator(model: model, slots: 1, capacity: 16).generate([r], parameters: p)[0]
            XCTAssertEqual(alone.tokens, batched[i].tokens, "request \(i) alone vs in a batch")
        }
        let chunked = Generator(model: model, slots: 4, capacity: 16)
        chunked.prefillRows = 2                                            // prompts split across chunks
        let chunkedResults = try chunked.generate(requests, parameters: p)
        XCTAssertEqual(chunkedResults.map(\.tokens), batched.map(\.tokens))
        for (a, b) in zip(chunkedResults.flatMap(\.logProbs), batched.flatMap(\.logProbs)) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        let otherSeed = try generator.generate([GenerationRequest(prompt: prompts[0], key: SampleKey(runSeed: 43, step: 3, prompt: 0))], parameters: p)
        XCTAssertEqual(otherSeed[0].tokens.count, 6)
    }

    func test_stop_tokens_end_sequences_while_others_continue() throws {
        let model = tinyModel()
        let free = try Generator(model: model, slots: 2, capacity: 20).generate(
            [GenerationRequest(prompt: [1, 2], key: SampleKey(runSeed: 1, prompt: 0)),
             GenerationRequest(prompt: [3], key: SampleKey(runSeed: 1, prompt: 1))], parameters: .greedy(maxNewTokens: 8))
        let stop = free[0].tokens[2]
        let stopped = try Generator(model: model, slots: 2, capacity: 20).generate(
            [GenerationRequest(prompt: [1, 2], key: SampleKey(runSeed: 1, prompt: 0)),
             GenerationRequest(prompt: [3], key: SampleKey(runSeed: 1, prompt: 1))],
            parameters: .greedy(maxNewTokens: 8, stopTokens: [stop]))
        XCTAssertEqual(stopped[0].tokens, Array(free[0].tokens[0...free[0].tokens.firstIndex(of: stop)!]))
        XCTAssertEqual(stopped[0].finishReason, .stop)
        if let k = free[1].tokens.firstIndex(of: stop) {
            XCTAssertEqual(stopped[1].tokens, Array(free[1].tokens[0...k]))
        } else {
            XCTAssertEqual(stopped[1].tokens, free[1].tokens)
            XCTAssertEqual(stopped[1].finishReason, .length)
        }
        XCTAssertThrowsError(try Generator(model: model, slots: 1, capacity: 4).generate(
            [GenerationRequest(prompt: [1, 2], key: SampleKey(runSeed: 1, prompt: 0))], parameters: .greedy(maxNewTokens: 3)))
    }

    func test_sampler_truncation_and_frequencies() {
        let logits: [Float] = [2, 1, 0.5, 3, -1]
        var rng = SplitMix64(seed: 9)
        var k1 = TokenSampler(parameters: SamplingParameters(temperature: 1, topK: 1))
        var p0 = TokenSampler(parameters: SamplingParameters(temperature: 1, topP: 0.01))
        var greedy = TokenSampler(parameters: .greedy(maxNewTokens: 1))
        for _ in 0..<20 {
            XCTAssertEqual(k1.pick(logits: logits, V: 5, rng: &rng).token, 3)
            XCTAssertEqual(p0.pick(logits: logits, V: 5, rng: &rng).token, 3)
        }
        let g = greedy.pick(logits: logits, V: 5, rng: &rng)
        XCTAssertEqual(g.token, 3)
        let z = logits.map { exp(Double($0)) }.reduce(0, +)
        XCTAssertEqual(Double(g.logProb), 3 - log(z), accuracy: 1e-6)
        // top-k 2 at τ = 0.5: only tokens 3 and 0, in ratio e^(2·3) : e^(2·2).
        var k2 = TokenSampler(parameters: SamplingParameters(temperature: 0.5, topK: 2))
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<4000 { counts[Int(k2.pick(logits: logits, V: 5, rng: &rng).token)] += 1 }
        XCTAssertEqual(counts[1] + counts[2] + counts[4], 0)
        XCTAssertEqual(Double(counts[3]) / 4000, exp(6) / (exp(6) + exp(4)), accuracy: 0.02)
        // Same key, same stream.
        XCTAssertEqual(SampleKey(runSeed: 1, step: 2, prompt: 3, sample: 4).seed, SampleKey(runSeed: 1, step: 2, prompt: 3, sample: 4).seed)
        XCTAssertNotEqual(SampleKey(runSeed: 1, step: 2, prompt: 3, sample: 4).seed, SampleKey(runSeed: 1, step: 2, prompt: 4, sample: 3).seed)
    }

    /// The sampler sorts only likely candidates; a full sort of the vocabulary must pick the same tokens.
    func test_candidate_filtering_matches_a_full_sort() {
        let V = 3000
        for (topK, topP) in [(0, Float(0.9)), (40, Float(1)), (40, Float(0.5)), (2000, Float(0.999)), (0, Float(0.9999))] {
            var sampler = TokenSampler(parameters: SamplingParameters(temperature: 0.8, topP: topP, topK: topK))
            for trial in 0..<20 {
                let logits = randomFloats(V, seed: UInt64(1000 + trial), scale: Float(2 + trial % 5))
                var rng = SplitMix64(seed: UInt64(trial)), copy = rng
                let got = sampler.pick(logits: logits, V: V, rng: &rng).token
                // Reference: the same probabilities, every token sorted.
                let m = logits.max()!
                let probs = logits.map { expf(($0 - m) / 0.8) }
                let sum = probs.reduce(0.0) { $0 + Double($1) }
                let order = (0..<V).sorted { probs[$0] != probs[$1] ? probs[$0] > probs[$1] : $0 < $1 }
                var keep = topK > 0 ? topK : V
                if topP < 1 {
                    var acc = 0.0
                    for i in 0..<keep {
                        acc += Double(probs[order[i]])
                        if acc >= Double(topP) * sum { keep = i + 1; break }
                    }
                }
                let kept = order[0..<keep].reduce(0.0) { $0 + Double(probs[$1]) }
                let target = Double(copy.next() >> 11) * 0x1p-53 * kept
                var acc = 0.0, want = order[0]
                for i in 0..<keep {
                    acc += Double(probs[order[i]])
                    if acc > target { want = order[i]; break }
                }
                XCTAssertEqual(Int(got), want, "topK \(topK) topP \(topP) trial \(trial)")
            }
        }
    }
}
