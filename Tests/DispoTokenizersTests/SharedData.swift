// Test helpers: where ../shared is, the big tokenizers loaded once per test run, and the parity fixture.
// Tests needing ../shared throw XCTSkip naming what is skipped when that directory is absent.

import DispoTokenizers
import Foundation
import XCTest

enum SharedData {
    /// `<package root>/../shared`, or nil when absent.
    static let root: String? = {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: shared + "/data/tokenizers") ? shared : nil
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func path(_ relative: String, for what: String) throws -> String {
        guard let root else { throw XCTSkip("skipping \(what): ../shared not found (the reference data lives there)") }
        return root + "/" + relative
    }

    static let qwenResult = Result { () throws -> any Tokenizer in
        try TokenizerLoader.load(try path("data/tokenizers/qwen2.5-0.5b", for: "Qwen2.5 tests"))
    }
    static let gpt2Result = Result { () throws -> any Tokenizer in
        try TokenizerLoader.load(try path("data/tokenizers/gpt2/gpt2_tokenizer.json", for: "GPT-2 tests"))
    }
    /// GPT-2 with ByteLevel `add_prefix_space` true, written to a temporary file.
    static let gpt2PrefixResult = Result { () throws -> any Tokenizer in
        let source = try path("data/tokenizers/gpt2/gpt2_tokenizer.json", for: "GPT-2 prefix-space tests")
        var root = try json(source) as! [String: Any]
        var pre = root["pre_tokenizer"] as! [String: Any]
        pre["add_prefix_space"] = true
        root["pre_tokenizer"] = pre
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-gpt2-prefix-\(UUID()).json")
        try JSONSerialization.data(withJSONObject: root).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try TokenizerLoader.load(file.path)
    }
    static let llamaResult = Result { () throws -> any Tokenizer in
        try TokenizerLoader.load(fixtures + "/llama3-tiny.json")
    }

    static func qwen() throws -> any Tokenizer { try qwenResult.get() }
    static func gpt2() throws -> any Tokenizer { try gpt2Result.get() }
    static func gpt2Prefix() throws -> any Tokenizer { try gpt2PrefixResult.get() }
    static func llama() throws -> any Tokenizer { try llamaResult.get() }

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path)), options: [.fragmentsAllowed])
    }

    /// The parity corpus: texts (references resolved against ../shared) and expected ids per tokenizer.
    struct Parity: Sendable {
        var ids: [String]
        var texts: [String]
        var expected: [String: [[Int32]]]
    }

    static let parityResult = Result { () throws -> Parity in
        let root = try json(fixtures + "/parity.json") as! [String: Any]
        var rowsCache: [String: [[String: Any]]] = [:]
        var ids: [String] = []
        var texts: [String] = []
        for entry in root["texts"] as! [[String: Any]] {
            ids.append(entry["id"] as! String)
            if let text = entry["text"] as? String {
                texts.append(text)
                continue
            }
            let ref = entry["ref"] as! [String: Any]
            let file = ref["file"] as! String
            if rowsCache[file] == nil {
                let full = try path(file, for: "parity texts from \(file)")
                if file.hasSuffix(".jsonl") {
                    let lines = try Data(contentsOf: URL(fileURLWithPath: full)).split(separator: UInt8(ascii: "\n"))
                    rowsCache[file] = try lines.map { try JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
                } else {
                    rowsCache[file] = try json(full) as? [[String: Any]]
                }
            }
            texts.append(rowsCache[file]![ref["row"] as! Int][ref["field"] as! String] as! String)
        }
        var expected: [String: [[Int32]]] = [:]
        for (name, lists) in root["expected"] as! [String: [[Int]]] { expected[name] = lists.map { $0.map(Int32.init) } }
        return Parity(ids: ids, texts: texts, expected: expected)
    }

    static func parity() throws -> Parity { try parityResult.get() }
}
