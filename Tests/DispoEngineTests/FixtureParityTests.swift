// Parity with PyTorch transformers: the fixtures written by Tools/make_engine_fixtures.py (tiny Llama and
// Qwen2 models, GQA, biases, tied and untied, F32/BF16/F16, one sharded) replayed through the engine.
// Log-probs, entropies and gradients must match at relative error ≤ 1e-4; weights after clip + one AdamW
// step (from the reference gradients) to 1e-6; greedy tokens exactly.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

struct Expected: Decodable {
    struct Loss: Decodable {
        struct Adam: Decodable { var lr, beta1, beta2, eps, weight_decay: Double }
        var temperature: Float
        var logprob_coefficients: [[Float]]
        var entropy_coefficients: [[Float]]
        var value: Double
        var grad_norm: Double
        var max_norm: Double
        var adamw: Adam
    }
    struct Greedy: Decodable {
        var prompts: [[Int32]]
        var max_new_tokens: Int
        var outputs: [[Int32]]
    }
    var sequences: [[Int32]]
    var logprobs: [String: [[Float]]]
    var entropies: [String: [[Float]]]
    var loss: Loss
    var greedy: Greedy

    static func load(_ name: String) throws -> Expected {
        try StrictJSONDecoder(allowUnknownKeys: true).decode(Expected.self, fromFile: Fixtures.root + "/\(name)/expected.json")
    }

    /// (B, T) coefficients aligned with the batch's targets: position t of sequence b scores token t+1.
    func coefficients(_ rows: [[Float]], T: Int) -> [Float] {
        var out = [Float](repeating: 0, count: sequences.count * T)
        for (b, row) in rows.enumerated() { for (t, c) in row.enumerated() { out[b * T + t] = c } }
        return out
    }
}

final class FixtureParityTests: XCTestCase {
    func test_logprobs_and_entropies_match_transformers() throws {
        for name in Fixtures.names {
            let model = try Transformer.load(directory: Fixtures.root + "/" + name)
            let expected = try Expected.load(name)
            let batch = TokenBatch(sequences: expected.sequences)
            var worst = 0.0
            defer { print("\(name): worst relative error of log-probs and entropies \(worst)") }
            for (key, tau) in [("1.0", Float(1)), ("0.7", Float(0.7))] {
                let scores = try model.forward(batch, temperature: tau)
                for (b, row) in expected.logprobs[key]!.enumerated() {
                    for (t, want) in row.enumerated() {
                        let got = scores.logProbs[b * batch.T + t]
                        let wantH0 = expected.entropies[key]![b][t], gotH0 = scores.entropies[b * batch.T + t]
                        worst = max(worst, Double(abs(got - want) / abs(want)), Double(abs(gotH0 - wantH0) / abs(wantH0)))
                        XCTAssertLessThanOrEqual(abs(got - want), 1e-4 * abs(want), "\(name) τ=\(key) logprob (\(b), \(t))")
                        let wantH = expected.entropies[key]![b][t], gotH = scores.entropies[b * batch.T + t]
                        XCTAssertLessThanOrEqual(abs(gotH - wantH), 1e-4 * abs(wantH), "\(name) τ=\(key) entropy (\(b), \(t))")
                    }
                }
            }
        }
    }

    func test_gradients_and_adamw_step_match_torch() throws {
        for name in Fixtures.names {
            let dir = Fixtures.root + "/" + name
            let model = try Transformer.load(directory: dir)
            let expected = try Expected.load(name)
            let batch = TokenBatch(sequences: expected.sequences)
            let scores = try model.forward(batch, temperature: expected.loss.temperature)
            let c = expected.coefficients(expected.loss.logprob_coefficients, T: batch.T)
            let e = expected.coefficients(expected.loss.entropy_coefficients, T: batch.T)
            var value = 0.0
            for i in 0..<c.count { value += Double(c[i]) * Double(scores.logProbs[i]) + Double(e[i]) * Double(scores.entropies[i]) }
            XCTAssertEqual(value, expected.loss.value, accuracy: 1e-4 * abs(expected.loss.value), name)
            try model.backward(logProbCoefficients: c, entropyCoefficients: e)

            let grads = try SafetensorsFile(path: dir + "/grads.safetensors")
            XCTAssertEqual(Set(grads.entries.keys), Set(model.layout.tensors.map(\.name)), name)
            let reference = Arena(count: model.parameterCount)
            for view in model.layout.tensors {
                try grads.read(view.name, shape: view.shape, into: reference[view.offset])
            }
            var worst = 0.0
            defer { print("\(name): worst relative error of a gradient tensor \(worst)") }
            for view in model.layout.tensors {
                let err = relativeError(model.gradients[view.offset], reference[view.offset], count: view.count)
                worst = max(worst, err)
                XCTAssertLessThanOrEqual(err, 1e-4, "\(name) gradient \(view.name)")
            }

            // The optimizer step starts from the reference gradients, so it is tested on its own.
            model.gradients.copy(from: reference)
            let adam = expected.loss.adamw
            let norm = GradientClipping.clip(model.gradients, maxNorm: expected.loss.max_norm)
            XCTAssertEqual(norm, expected.loss.grad_norm, accuracy: 1e-4 * expected.loss.grad_norm, name)
            let optimizer = AdamW(layout: model.layout, config: AdamWConfig(beta1: adam.beta1, beta2: adam.beta2, eps: adam.eps,
                                                                            weightDecay: adam.weight_decay, decayOneDimensional: true))
            optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: adam.lr)
            let after = try SafetensorsFile(path: dir + "/after_adamw.safetensors")
            for view in model.layout.tensors {
                try after.read(view.name, shape: view.shape, into: reference[view.offset])
            }
            for view in model.layout.tensors {
                for i in 0..<view.count {
                    let got = model.parameters[view.offset][i], want = reference[view.offset][i]
                    if abs(got - want) > 1e-6 + 1e-6 * abs(want) {
                        XCTFail("\(name) \(view.name)[\(i)] after AdamW: \(got) vs \(want)")
                        break
                    }
                }
            }
        }
    }

    /// Greedy decoding by full recomputation (the KV-cache sampler must reproduce the same tokens).
    func test_greedy_generation_matches_transformers() throws {
        for name in Fixtures.names {
            let model = try Transformer.load(directory: Fixtures.root + "/" + name)
            let expected = try Expected.load(name)
            for (prompt, want) in zip(expected.greedy.prompts, expected.greedy.outputs) {
                var seq = prompt
                for _ in 0..<expected.greedy.max_new_tokens {
                    _ = try model.forward(TokenBatch(sequences: [seq]))
                    let logits = try model.logits(batchIndex: 0, position: seq.count - 1)
                    seq.append(Int32(logits.indices.max { logits[$0] < logits[$1] }!))
                }
                XCTAssertEqual(Array(seq[prompt.count...]), want, "\(name) prompt \(prompt)")
            }
        }
    }
}
