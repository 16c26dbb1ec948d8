// Whole-model behaviour: finite-difference gradients of every tensor, micro-batch accumulation, independence
// from padding and batch composition, cross-entropy, and loud misuse.
import DispoEngine
import XCTest

final class TransformerTests: XCTestCase {
    let sequences: [[Int32]] = [[1, 5, 2, 9, 4], [3, 3, 7], [10, 0, 6, 8]]

    func test_whole_model_gradients_match_finite_differences() throws {
        for (tied, family) in [(false, "llama"), (true, "llama"), (false, "qwen3")] {
            let model = tinyModel(tied: tied, family: family)
            let batch = TokenBatch(sequences: sequences)
            let c = randomFloats(batch.B * batch.T, seed: 21), e = randomFloats(batch.B * batch.T, seed: 22, scale: 0.5)
            func loss() -> Double {
                let s = try! model.forward(batch, temperature: 0.8)
                var sum = 0.0
                for i in 0..<c.count { sum += Double(c[i]) * Double(s.logProbs[i]) + Double(e[i]) * Double(s.entropies[i]) }
                return sum
            }
            _ = try model.forward(batch, temperature: 0.8)
            model.zeroGradients()
            try model.backward(logProbCoefficients: c, entropyCoefficients: e)
            let grads = Array(model.gradients.buffer)
            for view in model.layout.tensors {
                let picks = Array(Set([0, view.count / 2, view.count - 1, (view.count * 7) / 11])).sorted()
                let label = "\(family) \(tied ? "tied" : "untied") \(view.name)"
                // Single entries: fp32 round-off in the loss limits these to ~1e-3 absolute, whatever the BLAS kernel.
                checkGradient(label, x: model.parameters[view.offset], indices: picks,
                              analytic: { grads[view.offset + $0] }, loss: loss, eps: 2e-3, atol: 2e-3, rtol: 1e-2)
                // The whole tensor at once: a directional derivative has far more signal than one entry, so it
                // catches errors of a few percent in small gradients that the entry checks cannot.
                checkDirectionalGradient(label, x: model.parameters[view.offset], count: view.count,
                                         analytic: Array(grads[view.offset..<(view.offset + view.count)]), loss: loss)
            }
        }
    }

    func test_gradient_accumulation_over_micro_batches_equals_full_batch() throws {
        let model = tinyModel(family: "qwen2")
        let full = TokenBatch(sequences: sequences)
        let c = randomFloats(full.B * full.T, seed: 31)
        _ = try model.forward(full)
        try model.backward(logProbCoefficients: c)
        let whole = Array(model.gradients.buffer)
        model.zeroGradients()
        // Micro-batch 1: sequences 0 and 1 (T = 5); micro-batch 2: sequence 2 alone (T = 4).
        let first = TokenBatch(sequences: Array(sequences[0..<2]))
        _ = try model.forward(first)
        try model.backward(logProbCoefficients: Array(c[0..<(2 * full.T)]))
        let firstOnly = Array(model.gradients.buffer)
        let second = TokenBatch(sequences: [sequences[2]])
        _ = try model.forward(second)
        try model.backward(logProbCoefficients: Array(c[(2 * full.T)..<(2 * full.T + 4)]))
        // Rows of different micro-batch shapes land in different GEMM tiles, and this tiny model (initializer
        // range 0.5) amplifies fp32 rounding: with OpenBLAS's FMA kernels (Haswell/Zen) the whole-batch gradient
        // itself moves by ~8e-6 of its largest entry against the SSE kernels, so the bound is 1e-4. A dropped,
        // doubled or mis-scaled micro-batch is off by orders of magnitude more, as the last check shows.
        XCTAssertLessThan(relativeError(model.gradients.base, whole, count: whole.count), 1e-4)
        XCTAssertGreaterThan(relativeError(firstOnly, whole, count: whole.count), 1e-2, "the second micro-batch matters")
    }

    func test_scores_do_not_depend_on_padding_or_batch_composition() throws {
        let model = tinyModel()
        let alone = try model.forward(TokenBatch(sequences: [sequences[1]]))
        let padded = try model.forward(TokenBatch(sequences: sequences, T: 7))
        for t in 0..<2 {
            XCTAssertEqual(alone.logProbs[t], padded.logProbs[7 + t], accuracy: 1e-6)
            XCTAssertEqual(alone.entropies[t], padded.entropies[7 + t], accuracy: 1e-6)
        }
        for t in 2..<7 { XCTAssertEqual(padded.logProbs[7 + t], 0, "padding is not scored") }
    }

    func test_score_from_masks_prompt_tokens() throws {
        let model = tinyModel()
        let batch = TokenBatch(sequences: [sequences[0]], scoreFrom: [3])
        XCTAssertEqual(batch.targets, [-1, -1, 9, 4, -1])
        let s = try model.forward(batch)
        XCTAssertEqual(s.logProbs[0], 0)
        XCTAssertLessThan(s.logProbs[2], 0)
    }

    func test_cross_entropy_is_mean_negative_logprob_and_its_gradient() throws {
        let model = tinyModel()
        let batch = TokenBatch(sequences: sequences)
        let s = try model.forward(batch)
        let loss = try model.backwardCrossEntropy(scores: s)
        let targets = batch.targets.indices.filter { batch.targets[$0] >= 0 }
        XCTAssertEqual(loss, -targets.map { Double(s.logProbs[$0]) }.reduce(0, +) / Double(targets.count), accuracy: 1e-9)
        let ce = Array(model.gradients.buffer)
        model.zeroGradients()
        _ = try model.forward(batch)
        var c = [Float](repeating: 0, count: batch.targets.count)
        for i in targets { c[i] = -1 / Float(targets.count) }
        try model.backward(logProbCoefficients: c)
        XCTAssertEqual(Array(model.gradients.buffer), ce)
    }

    func test_backward_without_forward_fails_loudly() throws {
        let model = tinyModel()
        XCTAssertThrowsError(try model.backward(logProbCoefficients: [])) { XCTAssertEqual($0 as? EngineError, .backwardWithoutForward) }
        let batch = TokenBatch(sequences: sequences)
        _ = try model.forward(batch)
        try model.backward(logProbCoefficients: [Float](repeating: 1, count: batch.B * batch.T))
        XCTAssertThrowsError(try model.backward(logProbCoefficients: [Float](repeating: 1, count: batch.B * batch.T)),
                             "a second backward after one forward")
    }

    func test_bad_batches_are_rejected() {
        let model = tinyModel()
        XCTAssertThrowsError(try model.forward(TokenBatch(sequences: [[1, 11]])), "token outside the vocabulary")
        XCTAssertThrowsError(try model.forward(TokenBatch(B: 1, T: 2, tokens: [1, 2], targets: [2, -1], lengths: [3])))
        XCTAssertThrowsError(try model.forward(TokenBatch(sequences: [[1, 2]]), temperature: 0))
    }

    func test_element_wise_threads_give_identical_results() throws {
        let model = tinyModel(family: "qwen3")
        let seqs: [[Int32]] = (0..<4).map { (b: Int) -> [Int32] in
            (0..<20).map { (t: Int) -> Int32 in Int32((t * 3 + b * 5) % 11) }
        }
        let batch = TokenBatch(sequences: seqs)
        let c = randomFloats(batch.B * batch.T, seed: 41), e = randomFloats(batch.B * batch.T, seed: 42)
        var outputs: [([Float], [Float])] = []
        for threads in [1, 2] {
            model.threads = threads
            model.zeroGradients()
            let s = try model.forward(batch, temperature: 0.9)
            try model.backward(logProbCoefficients: c, entropyCoefficients: e)
            outputs.append((s.logProbs + s.entropies, Array(model.gradients.buffer)))
        }
        XCTAssertEqual(outputs[0].0, outputs[1].0)
        XCTAssertEqual(outputs[0].1, outputs[1].1)
    }
}

final class TrainingMemoryTests: XCTestCase {
    let sequences: [[Int32]] = [[1, 5, 2, 9, 4], [3, 3, 7], [10, 0, 6, 8]]

    func run(_ model: Transformer) throws -> (scores: [Float], gradients: [Float]) {
        let batch = TokenBatch(sequences: sequences)
        let c = randomFloats(batch.B * batch.T, seed: 41), e = randomFloats(batch.B * batch.T, seed: 42, scale: 0.3)
        model.zeroGradients()
        let s = try model.forward(batch, temperature: 0.9)
        try model.backward(logProbCoefficients: c, entropyCoefficients: e)
        return (s.logProbs + s.entropies, Array(model.gradients.buffer))
    }

    func test_recomputed_activations_give_the_same_bits() throws {
        for family in ["llama", "qwen3"] {
            let model = tinyModel(tied: true, family: family)
            model.recomputeActivations = false
            let kept = try run(model)
            XCTAssertEqual(model.lastActivationPlan?.recompute, false)
            model.recomputeActivations = true
            let recomputed = try run(model)
            XCTAssertEqual(model.lastActivationPlan?.recompute, true)
            XCTAssertEqual(recomputed.scores, kept.scores, family)
            XCTAssertEqual(recomputed.gradients, kept.gradients, family)
        }
    }

    func test_chunked_output_head_matches_the_whole_head() throws {
        let model = tinyModel(family: "qwen2")
        let whole = try run(model)
        XCTAssertEqual(model.lastActivationPlan?.headRows, 15, "automatic: the whole micro-batch")
        _ = try model.forward(TokenBatch(sequences: sequences))
        let logits = try model.logits(batchIndex: 1, position: 2)
        for rows in [1, 4, 7] {
            model.logitsChunkRows = rows
            let chunked = try run(model)
            XCTAssertEqual(model.lastActivationPlan?.headRows, rows)
            for (a, b) in zip(chunked.scores, whole.scores) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            XCTAssertLessThan(relativeError(chunked.gradients, whole.gradients, count: whole.gradients.count), 1e-5, "\(rows) rows")
            _ = try model.forward(TokenBatch(sequences: sequences))
            for (a, b) in zip(try model.logits(batchIndex: 1, position: 2), logits) { XCTAssertEqual(a, b, accuracy: 1e-5, "\(rows) rows") }
        }
    }
}
