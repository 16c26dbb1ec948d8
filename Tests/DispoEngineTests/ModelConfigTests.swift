// config.json decoding: HF keys and defaults, the model_type registry, validation after decoding.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class ModelConfigTests: XCTestCase {
    func decode(_ json: String) throws -> ModelConfig { try ModelConfig.decode(Data(json.utf8), file: "config.json") }

    let minimal = #"{"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4"#

    func test_fixture_configs_decode_with_family_rules() throws {
        let llama = try ModelConfig.load(path: Fixtures.root + "/llama_bias_tied_f16_sharded/config.json")
        XCTAssertEqual(llama.numKeyValueHeads, 2)
        XCTAssertEqual(llama.headDim, 8)
        XCTAssertEqual(llama.ropeTheta, 500000, "from transformers 5's rope_parameters")
        XCTAssertTrue(llama.tieWordEmbeddings)
        XCTAssertTrue(llama.qkvBias && llama.outputBias, "llama attention_bias covers q, k, v and o")
        let qwen = try ModelConfig.load(path: Fixtures.root + "/qwen2_tied_bf16/config.json")
        XCTAssertTrue(qwen.qkvBias)
        XCTAssertFalse(qwen.outputBias, "qwen2 has q/k/v biases only")
        XCTAssertEqual(qwen.ropeTheta, 1_000_000)
        let qwen3 = try ModelConfig.load(path: Fixtures.root + "/qwen3_untied_f32/config.json")
        XCTAssertTrue(qwen3.qkNorm)
        XCTAssertFalse(qwen3.qkvBias || qwen.qkNorm)
        XCTAssertEqual(qwen3.headDim * qwen3.numAttentionHeads, 2 * qwen3.hiddenSize, "explicit head_dim")
    }

    func test_defaults_apply_to_absent_keys() throws {
        let c = try decode(minimal + "}")
        XCTAssertEqual(c.numKeyValueHeads, 4)
        XCTAssertEqual(c.headDim, 16)
        XCTAssertEqual(c.rmsNormEps, 1e-6)
        XCTAssertEqual(c.ropeTheta, 10000)
        XCTAssertFalse(c.tieWordEmbeddings)
        XCTAssertFalse(c.qkvBias)
        let old = try decode(minimal + #", "rope_theta": 500.0, "eos_token_id": [1, 2]}"#)
        XCTAssertEqual(old.ropeTheta, 500)
        XCTAssertEqual(old.eosTokenIDs, [1, 2])
    }

    func test_unknown_model_type_lists_known_ones() {
        XCTAssertThrowsError(try decode(minimal.replacingOccurrences(of: "llama", with: "gpt2") + "}")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("gpt2") && text.contains("llama") && text.contains("qwen2"), text)
            XCTAssertEqual((error as? InputError)?.file, "config.json")
        }
    }

    func test_invalid_configs_name_the_key() {
        let cases: [(String, String)] = [
            (minimal + #", "num_key_value_heads": 3}"#, "$.num_key_value_heads"),
            (minimal + #", "hidden_act": "gelu"}"#, "$.hidden_act"),
            (minimal + #", "rope_scaling": {"type": "linear", "factor": 2.0}}"#, "$.rope_scaling"),
            (minimal + #", "mlp_bias": true}"#, "$.mlp_bias"),
            (#"{"model_type": "llama", "vocab_size": 100}"#, "$.hidden_size"),
            (minimal.replacingOccurrences(of: "100", with: "\"many\"") + "}", "$.vocab_size"),
        ]
        for (json, place) in cases {
            XCTAssertThrowsError(try decode(json), place) { error in
                // The JSON path, then the line where the decoder found the problem.
                let found = (error as? InputError)?.place ?? ""
                XCTAssertTrue(found == place || found.hasPrefix(place + " (line ") || found.hasPrefix(place + " (in the object at line "),
                              "\(error)")
            }
        }
        XCTAssertNoThrow(try decode(minimal + #", "rope_scaling": null}"#))
    }

    func test_encoding_round_trips_through_hf_keys() throws {
        let c = try ModelConfig.load(path: Fixtures.root + "/qwen2_tied_bf16/config.json")
        let data = try JSONWriter.data(c)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"num_key_value_heads\"") && text.contains("Qwen2ForCausalLM"), text)
        XCTAssertEqual(try ModelConfig.decode(data, file: "x"), c)
    }

    func test_generation_config_gives_sampling_parameters() throws {
        let dir = temporaryDirectory("gen")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertNil(try GenerationConfig.load(directory: dir))
        try AtomicFile.write(#"{"do_sample": true, "temperature": 0.7, "top_p": 0.8, "eos_token_id": [5, 6]}"#, to: dir + "/generation_config.json")
        let p = try XCTUnwrap(try GenerationConfig.load(directory: dir)).sampling(maxNewTokens: 32)
        XCTAssertEqual(p, SamplingParameters(temperature: 0.7, topP: 0.8, topK: 50, maxNewTokens: 32, stopTokens: [5, 6]))
        try AtomicFile.write(#"{"eos_token_id": 2}"#, to: dir + "/generation_config.json")
        XCTAssertEqual(try GenerationConfig.load(directory: dir)?.sampling(maxNewTokens: 8).temperature, 0, "greedy by default")
        try AtomicFile.write(#"{"top_p": 1.5}"#, to: dir + "/generation_config.json")
        XCTAssertThrowsError(try GenerationConfig.load(directory: dir)) { XCTAssertTrue($0 is InputError) }
    }
}
