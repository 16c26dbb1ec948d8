// A JSON value read with JSONSerialization that remembers its file and JSON path (`$.model.merges[3]`), so
// every type mismatch in a tokenizer file becomes an `InputError` naming exactly where it is.

import DispoSupport
import Foundation

struct JSONNode {
    let value: Any
    let file: String
    let path: String

    /// Parses `bytes` (the contents of `file`) as JSON.
    static func parse(_ bytes: Data, file: String) throws -> JSONNode {
        do {
            let value = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
            return JSONNode(value: value, file: file, path: "$")
        } catch {
            throw InputError(file: file, expected: "valid JSON", found: "a JSON syntax error (\(error.localizedDescription))")
        }
    }

    static func read(_ file: String) throws -> JSONNode {
        try parse(try readFile(file), file: file)
    }

    var isNull: Bool { value is NSNull }

    func error(_ expected: String) -> InputError {
        InputError(file: file, place: path, expected: expected, found: JSONNode.describe(value))
    }

    /// The member `key` of an object; nil when absent or JSON null.
    subscript(key: String) -> JSONNode? {
        guard let object = value as? [String: Any], let member = object[key], !(member is NSNull) else { return nil }
        return JSONNode(value: member, file: file, path: "\(path).\(key)")
    }

    func required(_ key: String) throws -> JSONNode {
        guard value is [String: Any] else { throw error("an object") }
        guard let member = self[key] else {
            throw InputError(file: file, place: "\(path).\(key)", expected: "a value", found: "nothing")
        }
        return member
    }

    func object() throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw error("an object") }
        return object
    }

    func members() throws -> [(key: String, node: JSONNode)] {
        try object().map { ($0.key, JSONNode(value: $0.value, file: file, path: "\(path).\($0.key)")) }
    }

    func array() throws -> [JSONNode] {
        guard let array = value as? [Any] else { throw error("an array") }
        return array.enumerated().map { JSONNode(value: $0.element, file: file, path: "\(path)[\($0.offset)]") }
    }

    func string() throws -> String {
        guard let string = value as? String else { throw error("a string") }
        return string
    }

    func int() throws -> Int {
        if let number = value as? NSNumber, let int = Int(exactly: number.doubleValue) { return int }
        if let int = value as? Int { return int }
        throw error("an integer")
    }

    /// A token id: an integer in 0..<2^24 (vocabularies are far smaller; this bounds the id tables).
    func tokenID() throws -> TokenID {
        let value = try int()
        guard value >= 0, value < JSONNode.maxTokenID else { throw error("a token id in 0..<\(JSONNode.maxTokenID)") }
        return TokenID(value)
    }

    static let maxTokenID = 1 << 24

    func bool() throws -> Bool {
        if let bool = value as? Bool { return bool }
        throw error("true or false")
    }

    /// A token written either as a plain string or as `{"content": ...}` (tokenizer_config.json style).
    func tokenContent() throws -> String {
        if let string = value as? String { return string }
        if let content = self["content"] { return try content.string() }
        throw error("a token string or an object with \"content\"")
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let s as String: return InputError.excerpt(s, limit: 40)
        case let n as NSNumber: return "the value \(n)"
        case let a as [Any]: return "an array of \(a.count)"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }
}

/// The bytes of `file`; a missing or unreadable file is an `InputError`.
func readFile(_ file: String) throws -> Data {
    guard FileManager.default.fileExists(atPath: file) else {
        throw InputError(file: file, expected: "a file", found: "nothing at this path")
    }
    guard let data = FileManager.default.contents(atPath: file) else {
        throw InputError(file: file, expected: "a readable file", found: "an unreadable file or a directory")
    }
    return data
}
