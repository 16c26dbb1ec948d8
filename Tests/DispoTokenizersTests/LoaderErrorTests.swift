// Bad inputs to the loader throw InputError naming the file and the place, never trap.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class LoaderErrorTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-tok-errors-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func inputError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> InputError? {
        do {
            _ = try TokenizerLoader.load(path)
            XCTFail("expected an error", file: file, line: line)
            return nil
        } catch let error as InputError {
            return error
        } catch {
            XCTFail("expected InputError, got \(error)", file: file, line: line)
            return nil
        }
    }

    /// A minimal valid byte-level tokenizer.json whose parts the tests break one at a time.
    private func tokenizerJSON(model: String = #""type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]"#,
                               preTokenizer: String = "null", normalizer: String = "null") -> String {
        #"{"added_tokens": [], "normalizer": \#(normalizer), "pre_tokenizer": \#(preTokenizer), "post_processor": null, "decoder": {"type": "ByteLevel"}, "model": {\#(model)}}"#
    }

    func test_minimal_tokenizer_json_loads() throws {
        let tokenizer = try TokenizerLoader.load(try write("tiny.json", tokenizerJSON()))
        XCTAssertEqual(tokenizer.encode("ab"), [2])
        XCTAssertEqual(tokenizer.identity.name, "tiny")
    }

    func test_missing_path_is_named() {
        let error = inputError(dir + "/nope")
        XCTAssertEqual(error?.file, dir + "/nope")
        XCTAssertEqual(error?.found, "nothing at this path")
    }

    func test_directory_without_tokenizer_files() throws {
        _ = try write("tokenizer_config.json", "{}")
        XCTAssertEqual(inputError(dir)?.file, dir)
    }

    func test_invalid_json_names_the_file() throws {
        let path = try write("broken.json", "{\"model\": ")
        let error = inputError(path)
        XCTAssertEqual(error?.file, path)
        XCTAssertEqual(error?.place, "line 1")
        XCTAssertEqual(error?.found, "the end of the file")
    }

    func test_errors_name_the_line_in_a_multi_line_file() throws {
        let path = try write("lines.json", "{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": 0, \"b\": 1, \"ab\": 2},\n \"merges\": [\"a b\",\n \"a\"]}}")
        XCTAssertEqual(inputError(path)?.place, "$.model.merges[1] (line 4)")
        let vocab = try write("vocab-lines.json", "{\"model\": {\"type\": \"BPE\",\n \"vocab\": {\"a\": 0,\n \"b\": -1}, \"merges\": []}}")
        XCTAssertEqual(inputError(vocab)?.place, "$.model.vocab.b (line 3)")
    }

    func test_wrong_vocab_type_names_json_path() throws {
        let path = try write("t.json", tokenizerJSON(model: #""type": "BPE", "vocab": {"a": "zero"}, "merges": []"#))
        let error = inputError(path)
        XCTAssertEqual(error?.place, "$.model.vocab.a (line 1)")
    }

    func test_bad_merge_names_its_index() throws {
        let path = try write("t.json", tokenizerJSON(model: #""type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]"#))
        XCTAssertEqual(inputError(path)?.place, "$.model.merges[0] (line 1)")
        let path2 = try write("t2.json", tokenizerJSON(model: #""type": "BPE", "vocab": {"a": 0}, "merges": [7]"#))
        XCTAssertEqual(inputError(path2)?.place, "$.model.merges[0] (line 1)")
    }

    func test_unknown_model_and_stage_types_are_named() throws {
        XCTAssertEqual(inputError(try write("m.json", tokenizerJSON(model: #""type": "WordPiece", "vocab": {}"#)))?.place, "$.model.type (line 1)")
        let pre = inputError(try write("p.json", tokenizerJSON(preTokenizer: #"{"type": "Sequence", "pretokenizers": [{"type": "Metaspace"}]}"#)))
        XCTAssertEqual(pre?.place, "$.pre_tokenizer.pretokenizers[0].type (line 1)")
        XCTAssertEqual(inputError(try write("n.json", tokenizerJSON(normalizer: #"{"type": "Strip"}"#)))?.place, "$.normalizer.type (line 1)")
        let behavior = inputError(try write("b.json", tokenizerJSON(preTokenizer: #"{"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways"}"#)))
        XCTAssertEqual(behavior?.place, "$.pre_tokenizer.behavior (line 1)")
        let regex = inputError(try write("r.json", tokenizerJSON(preTokenizer: #"{"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}"#)))
        XCTAssertEqual(regex?.place, "$.pre_tokenizer.pattern.Regex (line 1)")
    }

    func test_slow_files_with_bad_merges_line_name_the_line() throws {
        _ = try write("vocab.json", #"{"a": 0, "b": 1, "ab": 2}"#)
        _ = try write("merges.txt", "#version: 0.2\na b\nab\n")
        let error = inputError(dir)
        XCTAssertEqual(error?.file, dir + "/merges.txt")
        XCTAssertEqual(error?.place, "line 3")
    }

    func test_char_vocabulary_with_bad_entry() throws {
        let path = try write("c.json", #"{"type": "char", "special": ["<eos>"], "chars": ["a", "bc"], "eos": "<eos>"}"#)
        XCTAssertEqual(inputError(path)?.place, "$.chars[1] (line 1)")
    }

    func test_unknown_pattern_uses_regex_engine() throws {
        let pre = #"{"type": "Split", "pattern": {"Regex": "\\d+"}, "behavior": "Removed", "invert": false}"#
        let tokenizer = try TokenizerLoader.load(try write("x.json", tokenizerJSON(preTokenizer: pre)))
        XCTAssertEqual(tokenizer.encode("a12b"), [0, 1])  // digits removed, bytes without vocab dropped
    }
}
