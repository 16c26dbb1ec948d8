// Test helpers: the committed fixtures (compact tokenizers, the parity corpus, test vectors), loaded once per
// test run, and the full tokenizer files of ../shared for the tests that check those files themselves.
//
// ../shared is `<package root>/../shared`, or the directory in the environment variable DISPO_SHARED (set it
// to a path that does not exist, e.g. DISPO_SHARED=/nonexistent, to run the suite as a clone without it).
// Tests that need it throw XCTSkip naming the test and the missing directory.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

enum SharedData {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The shared data directory, or nil when absent.
    static let root: String? = {
        let shared = ProcessInfo.processInfo.environment["DISPO_SHARED"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: shared + "/data/tokenizers") ? shared : nil
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    /// `relative` inside ../shared, or XCTSkip naming `test` when ../shared is absent.
    static func path(_ relative: String, test: String) throws -> String {
        guard let root else {
            throw XCTSkip("\(test): skipped, the full data files of ../shared are not here (DISPO_SHARED or ../shared)")
        }
        return root + "/" + relative
    }

    // Compact tokenizers (Fixtures/compact, from Tools/make_tokenizer_fixtures.py): the full tokenizers' ids on
    // every text the tests encode.
    static let qwenResult = Result { try TokenizerLoader.load(fixtures + "/compact/qwen2.5-0.5b") }
    static let gpt2Result = Result { try TokenizerLoader.load(fixtures + "/compact/gpt2_tokenizer.json") }
    static let gpt2PrefixResult = Result { try withPrefixSpace(fixtures + "/compact/gpt2_tokenizer.json") }
    static let llamaResult = Result { try TokenizerLoader.load(fixtures + "/llama3-tiny.json") }

    static func qwen() throws -> any Tokenizer { try qwenResult.get() }
    static func gpt2() throws -> any Tokenizer { try gpt2Result.get() }
    static func gpt2Prefix() throws -> any Tokenizer { try gpt2PrefixResult.get() }
    static func llama() throws -> any Tokenizer { try llamaResult.get() }

    /// A tokenizer.json rewritten with the pre-tokenizer's `add_prefix_space` set to true (a temporary file).
    static func withPrefixSpace(_ source: String) throws -> any Tokenizer {
        let text = try String(contentsOfFile: source, encoding: .utf8)
        guard let pre = text.range(of: "\"pre_tokenizer\""),
              let key = text.range(of: "\"add_prefix_space\"", range: pre.upperBound..<text.endIndex),
              let value = text.range(of: "false", range: key.upperBound..<text.endIndex),
              text[key.upperBound..<value.lowerBound].allSatisfy({ $0 == ":" || $0 == " " }) else {
            throw InputError(file: source, place: "$.pre_tokenizer.add_prefix_space", expected: "false")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-gpt2-prefix-\(UUID()).json")
        try text.replacingCharacters(in: value, with: "true").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try TokenizerLoader.load(file.path)
    }

    /// The parity corpus: texts and expected ids per tokenizer.
    struct Parity: Sendable {
        var ids: [String]
        var texts: [String]
        var expected: [String: [[Int32]]]
    }

    static let parityResult = Result { () throws -> Parity in
        let root = try JSONReader.open(fixtures + "/parity.json").object()
        var parity = Parity(ids: [], texts: [], expected: [:])
        for entry in try root.required("texts").array() {
            let object = try entry.object()
            parity.ids.append(try object.required("id").string())
            parity.texts.append(try object.required("text").string())
        }
        for (name, lists) in try root.required("expected").object().members() {
            parity.expected[name] = try lists.array().map { try ids($0) }
        }
        return parity
    }

    static func parity() throws -> Parity { try parityResult.get() }

    /// A JSON array of token ids.
    static func ids(_ reader: JSONReader) throws -> [Int32] {
        try reader.array().map { Int32(try $0.int(0...Int(Int32.max))) }
    }
}
