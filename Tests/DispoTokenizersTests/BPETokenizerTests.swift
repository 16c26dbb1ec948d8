// Behaviour of the byte-level BPE tokenizers beyond raw parity: special tokens, decoding options, identity,
// and loading the same vocabulary from both file forms.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class BPETokenizerTests: XCTestCase {
    func test_qwen_special_tokens_are_matched_in_text() throws {
        let qwen = try SharedData.qwen()
        // Given a chat turn written as text
        let ids = qwen.encode("<|im_start|>user\nHi<|im_end|>")
        // Then the markers are single ids, and skipping special tokens drops them
        XCTAssertEqual(ids.first, 151644)
        XCTAssertEqual(ids.last, 151645)
        XCTAssertEqual(qwen.tokenID(for: "<|im_end|>"), 151645)
        XCTAssertEqual(qwen.token(for: 151643), "<|endoftext|>")
        XCTAssertEqual(try qwen.decode(ids, skipSpecialTokens: true), "user\nHi")
        XCTAssertEqual(try qwen.decode(ids, skipSpecialTokens: false), "<|im_start|>user\nHi<|im_end|>")
    }

    func test_qwen_identity_and_eos() throws {
        let qwen = try SharedData.qwen()
        XCTAssertEqual(qwen.vocabularySize, 151665)
        XCTAssertEqual(qwen.eosTokenID, 151643)
        XCTAssertEqual(qwen.identity.name, "qwen2.5-0.5b")
        XCTAssertEqual(qwen.identity.kind, "byte-level-bpe")
        XCTAssertEqual(qwen.identity.hash.count, 16)
        XCTAssertEqual(qwen.identity.vocabularySize, 151665)
    }

    func test_gpt2_identity_has_no_eos_without_config() throws {
        let gpt2 = try SharedData.gpt2()
        XCTAssertEqual(gpt2.vocabularySize, 50257)
        XCTAssertNil(gpt2.eosTokenID)
        XCTAssertEqual(gpt2.identity.name, "gpt2_tokenizer")
    }

    func test_llama3_bos_is_added_only_with_special_tokens() throws {
        let llama = try SharedData.llama()
        let bos = try XCTUnwrap(llama.tokenID(for: "<|begin_of_text|>"))
        XCTAssertEqual(llama.encode("Hi there", addSpecialTokens: true), [bos] + llama.encode("Hi there"))
        XCTAssertNotEqual(llama.encode("Hi there").first, bos)
    }

    func test_decode_of_invalid_utf8_gives_replacement_characters() throws {
        let gpt2 = try SharedData.gpt2()
        // "é" is two byte tokens (0xC3 0xA9); the first alone is an incomplete sequence.
        let lone = try XCTUnwrap(gpt2.tokenID(for: "Ã"))  // byte 0xC3
        XCTAssertEqual(try gpt2.decode([lone], skipSpecialTokens: false), "\u{FFFD}")
        let a = try XCTUnwrap(gpt2.tokenID(for: "a"))
        XCTAssertEqual(try gpt2.decode([a, lone, a], skipSpecialTokens: false), "a\u{FFFD}a")
    }

    func test_decode_rejects_out_of_range_ids() throws {
        let gpt2 = try SharedData.gpt2()
        XCTAssertThrowsError(try gpt2.decode([1, 50257], skipSpecialTokens: false)) { error in
            let input = error as? InputError
            XCTAssertEqual(input?.place, "position 1")
            XCTAssertEqual(input?.found, "50257")
        }
        XCTAssertThrowsError(try gpt2.decode([-1], skipSpecialTokens: false))
    }

    func test_tokenizer_json_and_slow_files_of_the_same_vocabulary_agree() throws {
        // Given the GPT-2 tokenizer.json rewritten as vocab.json + merges.txt (GPT2Tokenizer)
        let model = try JSONReader.open(SharedData.fixtures + "/compact/gpt2_tokenizer.json").object().required("model").object()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-gpt2-slow-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let vocab = try model.required("vocab").object().members().map { "\(JSONString.literal($0.key)): \(try $0.node.int())" }
        try ("{" + vocab.joined(separator: ", ") + "}").write(toFile: dir + "/vocab.json", atomically: true, encoding: .utf8)
        let merges = try model.required("merges").array().map { try $0.array().map { try $0.string() }.joined(separator: " ") }
        try ("#version: 0.2\n" + merges.joined(separator: "\n") + "\n").write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
        try #"{"tokenizer_class": "GPT2Tokenizer", "eos_token": "<|endoftext|>", "added_tokens_decoder": {"50256": {"content": "<|endoftext|>", "special": true}}}"#
            .write(toFile: dir + "/tokenizer_config.json", atomically: true, encoding: .utf8)
        // When both load
        let slow = try TokenizerLoader.load(dir)
        let fast = try SharedData.gpt2()
        // Then they encode alike, and the config's eos is known
        XCTAssertEqual(slow.eosTokenID, 50256)
        for text in try SharedData.parity().texts.prefix(60) { XCTAssertEqual(slow.encode(text), fast.encode(text)) }
    }

    func test_full_files_load_with_their_identity_and_special_tokens() throws {
        let qwen = try TokenizerLoader.load(try SharedData.path("data/tokenizers/qwen2.5-0.5b", test: #function))
        XCTAssertEqual(qwen.vocabularySize, 151665)
        XCTAssertEqual(qwen.eosTokenID, 151643)
        XCTAssertEqual(qwen.identity.name, "qwen2.5-0.5b")
        let gpt2 = try TokenizerLoader.load(try SharedData.path("data/tokenizers/gpt2/gpt2_tokenizer.json", test: #function))
        XCTAssertEqual(gpt2.vocabularySize, 50257)
        let llama = try TokenizerLoader.load(try SharedData.path("data/tokenizers/llama-3.2-1b-instruct", test: #function))
        XCTAssertEqual(llama.vocabularySize, 128256)
        XCTAssertEqual(llama.eosTokenID, 128009)
        XCTAssertEqual(llama.encode("Hi", addSpecialTokens: true).first, 128000)
        let qwen3 = try TokenizerLoader.load(try SharedData.path("data/tokenizers/qwen3", test: #function))
        XCTAssertEqual(qwen3.eosTokenID, 151645)
        XCTAssertEqual(qwen3.tokenID(for: "<think>"), 151667)
        XCTAssertEqual(qwen3.encode("What is 1+1?"), qwen.encode("What is 1+1?"))
    }

    func test_long_runs_encode_in_linear_time() throws {
        // Given runs far longer than any word (digits are split per digit by Qwen, per 3 by Llama-3; a long
        // letter run takes the heap merge path)
        let digits = String(repeating: "1234567890", count: 2_000)
        let letters = String(repeating: "ab", count: 5_000)
        let qwen = try SharedData.qwen(), llama = try SharedData.llama()
        // Then they encode quickly (a quadratic scan would take minutes in a debug build) and round-trip
        XCTAssertEqual(qwen.encode(digits).count, 20_000)
        XCTAssertEqual(llama.encode(digits).count > 6_000, true)
        for tokenizer in [qwen, llama] {
            for text in [digits, letters, String(repeating: " ", count: 10_000) + "x"] {
                XCTAssertEqual(try tokenizer.decode(tokenizer.encode(text), skipSpecialTokens: false), text)
            }
        }
    }

    func test_concurrent_encoding_gives_the_same_ids() async throws {
        let qwen = try SharedData.qwen()
        let texts = Array(try SharedData.parity().texts.prefix(40))
        let serial = texts.map { qwen.encode($0) }
        let parallel = await withTaskGroup(of: (Int, [TokenID]).self) { group in
            for (index, text) in texts.enumerated() { group.addTask { (index, qwen.encode(text)) } }
            var out = [[TokenID]](repeating: [], count: texts.count)
            for await (index, ids) in group { out[index] = ids }
            return out
        }
        XCTAssertEqual(serial, parallel)
    }
}
