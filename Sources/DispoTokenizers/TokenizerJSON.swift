// Reading tokenizer files (tokenizer.json, vocab.json, tokenizer_config.json, …) with DispoSupport's strict
// JSON parser: `JSONReader` remembers the file, JSON path and line of every value, so each type mismatch becomes
// an `InputError` naming exactly where it is (`tokenizer.json: $.model.merges[3] (line 9): expected …`). Keys a
// tokenizer does not use are ignored (Hugging Face files carry many), unlike in dispo's own config files.

import DispoSupport
import Foundation

extension JSONReader {
    /// Parses `bytes`, the contents of `file`.
    static func parse(_ bytes: Data, file: String) throws -> JSONReader {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InputError(file: file, expected: "UTF-8 text", found: "invalid UTF-8 bytes")
        }
        return JSONReader(node: try JSONParser.parse(text, file: file), file: file)
    }

    /// The member `key` of an object; nil when absent or JSON null, or when this is not an object.
    subscript(key: String) -> JSONReader? {
        guard case .object(let members) = node.value, let member = members.first(where: { $0.key == key }),
              member.value.value != .null else { return nil }
        return JSONReader(node: member.value, file: file, path: "\(path).\(key)")
    }

    /// The member `key`; an error when this is not an object or the member is absent or null.
    func member(_ key: String) throws -> JSONReader {
        guard case .object = node.value else { throw error("an object") }
        guard let value = self[key] else { throw error("a key \"\(key)\"", found: "no such key (or null)") }
        return value
    }

    /// The members of an object, in file order.
    func members() throws -> [(key: String, node: JSONReader)] {
        try object().members()
    }

    /// A token id: an integer in 0..<2^24 (vocabularies are far smaller; this bounds the id tables).
    func tokenID() throws -> TokenID {
        TokenID(try int(0...(JSONReader.maxTokenID - 1), "a token id in 0..<\(JSONReader.maxTokenID)"))
    }

    static let maxTokenID = 1 << 24

    /// A token written either as a plain string or as `{"content": ...}` (tokenizer_config.json style).
    func tokenContent() throws -> String {
        if case .string(let s) = node.value { return s }
        if let content = self["content"] { return try content.string() }
        throw error("a token string or an object with \"content\"")
    }
}

/// The bytes of `file`; a missing file, a directory, a FIFO (never opened so as to block) or a failed read
/// is an error naming the file.
func readFile(_ file: String) throws -> Data {
    try FileSystem.readData(file, "a tokenizer file")
}
