// Hugging Face's own expected ids from ../shared/data/tokenizers/testvectors: the 30 multilingual Qwen2.5
// vectors (ids and both decodings), the 46 llama.cpp Qwen2 cases, and the GPT-2 vector.

import DispoTokenizers
import Foundation
import XCTest

final class ReferenceVectorTests: XCTestCase {
    func test_qwen_multilingual_vectors_match_ids_and_decodings() throws {
        let tokenizer = try SharedData.qwen()
        let base = try SharedData.path("data/tokenizers/testvectors", for: "Qwen2.5 vectors")
        let inputs = (try SharedData.json(base + "/inputs.json") as! [String: Any])["inputs"] as! [[String: Any]]
        let entries = (try SharedData.json(base + "/Qwen__Qwen2.5-0.5B.json") as! [String: Any])["entries"] as! [String: [String: Any]]
        XCTAssertEqual(inputs.count, 30)
        for input in inputs {
            let id = input["id"] as! String, text = input["text"] as! String
            let entry = entries[id]!
            let expected = (entry["input_ids"] as! [Int]).map(Int32.init)
            let ids = tokenizer.encode(text)
            XCTAssertEqual(ids, expected, id)
            XCTAssertEqual(ids.map { tokenizer.token(for: $0) ?? "?" }, entry["tokens"] as! [String], id)
            XCTAssertEqual(try tokenizer.decode(expected, skipSpecialTokens: false), entry["decoded_with_special"] as! String, id)
            XCTAssertEqual(try tokenizer.decode(expected, skipSpecialTokens: true), entry["decoded_skip_special"] as! String, id)
        }
    }

    func test_qwen_llama_cpp_cases_match() throws {
        let tokenizer = try SharedData.qwen()
        let base = try SharedData.path("data/tokenizers/testvectors", for: "llama.cpp Qwen2 cases")
        let inputs = try String(contentsOfFile: base + "/ggml-vocab-qwen2.gguf.inp", encoding: .utf8)
            .components(separatedBy: "\n__ggml_vocab_test__\n")
        let outputs = try String(contentsOfFile: base + "/ggml-vocab-qwen2.gguf.out", encoding: .utf8)
            .components(separatedBy: "\n")
        let cases = inputs.last == "" ? Array(inputs.dropLast()) : inputs
        XCTAssertEqual(cases.count, 46)
        for (index, text) in cases.enumerated() {
            let expected = outputs[index].split(separator: " ").map { Int32($0)! }
            XCTAssertEqual(tokenizer.encode(text), expected, "case \(index): \(text.debugDescription)")
        }
    }

    func test_gpt2_vector_matches_ids_tokens_and_decoding() throws {
        let tokenizer = try SharedData.gpt2()
        let file = try SharedData.path("data/tokenizers/testvectors/gpt2_encoded_tokens.json", for: "GPT-2 vector")
        let vector = try SharedData.json(file) as! [String: Any]
        let text = vector["text"] as! String
        let expected = (vector["token_ids"] as! [Int]).map(Int32.init)
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids, expected)
        XCTAssertEqual(ids.map { tokenizer.token(for: $0) ?? "?" }, vector["bpe_tokens"] as! [String])
        XCTAssertEqual(try tokenizer.decode(ids, skipSpecialTokens: false), vector["decoded_text"] as! String)
    }
}
