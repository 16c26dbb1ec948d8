// Hugging Face's own expected ids (Fixtures/testvectors, copied from ../shared/data/tokenizers/testvectors by
// Tools/make_tokenizer_fixtures.py): the 30 multilingual Qwen2.5 vectors (ids and both decodings), the 46
// llama.cpp Qwen2 cases, and the GPT-2 vector; run with the compact tokenizers, and with the full files of
// ../shared in the `test_full_…` test.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class ReferenceVectorTests: XCTestCase {
    private let vectors = SharedData.fixtures + "/testvectors"

    private func checkMultilingual(_ tokenizer: any Tokenizer) throws {
        let inputs = try JSONReader.open(vectors + "/inputs.json").object().required("inputs").array()
        let entries = try JSONReader.open(vectors + "/Qwen__Qwen2.5-0.5B.json").object().required("entries").object()
        XCTAssertEqual(inputs.count, 30)
        for input in inputs {
            let item = try input.object()
            let id = try item.required("id").string(), text = try item.required("text").string()
            let entry = try entries.required(id).object()
            let expected = try SharedData.ids(try entry.required("input_ids"))
            let ids = tokenizer.encode(text)
            XCTAssertEqual(ids, expected, id)
            XCTAssertEqual(ids.map { tokenizer.token(for: $0) ?? "?" }, try entry.required("tokens").array().map { try $0.string() }, id)
            XCTAssertEqual(try tokenizer.decode(expected, skipSpecialTokens: false), try entry.required("decoded_with_special").string(), id)
            XCTAssertEqual(try tokenizer.decode(expected, skipSpecialTokens: true), try entry.required("decoded_skip_special").string(), id)
        }
    }

    private func checkLlamaCpp(_ tokenizer: any Tokenizer) throws {
        let inputs = try String(contentsOfFile: vectors + "/ggml-vocab-qwen2.gguf.inp", encoding: .utf8)
            .components(separatedBy: "\n__ggml_vocab_test__\n")
        let outputs = try String(contentsOfFile: vectors + "/ggml-vocab-qwen2.gguf.out", encoding: .utf8)
            .components(separatedBy: "\n")
        let cases = inputs.last == "" ? Array(inputs.dropLast()) : inputs
        XCTAssertEqual(cases.count, 46)
        for (index, text) in cases.enumerated() {
            let expected = try outputs[index].split(separator: " ").map { part -> Int32 in
                guard let id = Int32(part) else { throw InputError(file: "ggml-vocab-qwen2.gguf.out", place: "line \(index + 1)", expected: "ids") }
                return id
            }
            XCTAssertEqual(tokenizer.encode(text), expected, "case \(index): \(text.debugDescription)")
        }
    }

    func test_qwen_multilingual_vectors_match_ids_and_decodings() throws { try checkMultilingual(try SharedData.qwen()) }

    func test_qwen_llama_cpp_cases_match() throws { try checkLlamaCpp(try SharedData.qwen()) }

    func test_gpt2_vector_matches_ids_tokens_and_decoding() throws {
        let tokenizer = try SharedData.gpt2()
        let vector = try JSONReader.open(vectors + "/gpt2_encoded_tokens.json").object()
        let text = try vector.required("text").string()
        let expected = try SharedData.ids(try vector.required("token_ids"))
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids, expected)
        XCTAssertEqual(ids.map { tokenizer.token(for: $0) ?? "?" }, try vector.required("bpe_tokens").array().map { try $0.string() })
        XCTAssertEqual(try tokenizer.decode(ids, skipSpecialTokens: false), try vector.required("decoded_text").string())
    }

    func test_full_qwen_files_match_the_vectors() throws {
        let path = try SharedData.path("data/tokenizers/qwen2.5-0.5b", test: #function)
        let full = try TokenizerLoader.load(path)
        try checkMultilingual(full)
        try checkLlamaCpp(full)
    }
}
