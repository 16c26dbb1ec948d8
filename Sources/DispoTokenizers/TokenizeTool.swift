// The work behind `dispo tokenize`: text (or a JSONL field) → one JSON array of ids per text, and the reverse,
// one JSON array of ids per line → decoded text. Lives here so the CLI only parses flags; `write` receives
// output lines (without their newline). Bad input lines throw InputError naming the file (or "stdin") and line.

import DispoSupport
import Foundation

public enum TokenizeTool {
    /// Encodes the string field `field` of every JSON object line of `data`; a final empty line is ignored.
    public static func encodeJSONL(_ data: Data, file: String, field: String, tokenizer: any Tokenizer,
                                   addSpecialTokens: Bool, write: (String) throws -> Void) throws {
        for (number, line) in try lines(data, file: file) {
            guard case .object(let members)? = try parseLine(line, file: file, number: number)?.value else {
                throw InputError(file: file, place: "line \(number)", expected: "a JSON object", found: InputError.excerpt(line))
            }
            let value = members.first(where: { $0.key == field })?.value.value
            guard case .string(let text)? = value else {
                throw InputError(file: file, place: "line \(number)", expected: "a string field \"\(field)\"",
                                 found: value == nil ? "no such field" : "a non-string value")
            }
            try write(jsonArray(tokenizer.encode(text, addSpecialTokens: addSpecialTokens)))
        }
    }

    /// Encodes each line of `data` as one text (`perLine`), or all of it as one text.
    public static func encodeText(_ data: Data, file: String = "stdin", perLine: Bool, tokenizer: any Tokenizer,
                                  addSpecialTokens: Bool, write: (String) throws -> Void) throws {
        if perLine {
            for (_, line) in try lines(data, file: file) { try write(jsonArray(tokenizer.encode(line, addSpecialTokens: addSpecialTokens))) }
        } else {
            guard let text = String(validating: data, as: UTF8.self) else {
                let (line, _) = firstInvalidUTF8(data)
                throw InputError(file: file, place: "line \(line)", expected: "UTF-8 text", found: "invalid UTF-8 bytes")
            }
            try write(jsonArray(tokenizer.encode(text, addSpecialTokens: addSpecialTokens)))
        }
    }

    /// Decodes every line (a JSON array of ids) of `data`; writes a JSON string per line, or the raw text.
    public static func decodeLines(_ data: Data, file: String, tokenizer: any Tokenizer, skipSpecialTokens: Bool,
                                   asJSON: Bool, write: (String) throws -> Void) throws {
        for (number, line) in try lines(data, file: file) {
            guard case .array(let array)? = try parseLine(line, file: file, number: number)?.value,
                  let ids = Optional(array.compactMap({ (node: JSONNodeValue) -> TokenID? in
                      guard case .number(let n, _) = node.value else { return nil }
                      return TokenID(exactly: n)
                  })), ids.count == array.count else {
                throw InputError(file: file, place: "line \(number)", expected: "a JSON array of integer token ids",
                                 found: InputError.excerpt(line))
            }
            let text: String
            do {
                text = try tokenizer.decode(ids, skipSpecialTokens: skipSpecialTokens)
            } catch let error as InputError {
                throw InputError(file: file, place: "line \(number), \(error.place ?? "")", expected: error.expected, found: error.found)
            }
            try write(asJSON ? jsonString(text) : text)
        }
    }

    /// A line's JSON value; nil for a syntax error (the caller says what it expected), while valid JSON dispo
    /// refuses (a number out of range, a key given twice) is the parser's own error.
    static func parseLine(_ line: String, file: String, number: Int) throws -> JSONNodeValue? {
        do {
            return try JSONParser.parse(line, file: file, firstLine: number)
        } catch let error as InputError where JSONParser.isValidSyntax(error) {
            throw error
        } catch {
            return nil
        }
    }

    /// `[1,2,3]`.
    public static func jsonArray(_ ids: [TokenID]) -> String {
        var out = "["
        for (index, id) in ids.enumerated() {
            if index > 0 { out += "," }
            out += String(id)
        }
        return out + "]"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, other characters as they are.
    public static func jsonString(_ text: String) -> String { JSONString.literal(text) }

    /// Numbered lines (from 1) of `data`, without the empty line after a final newline; "\r\n" endings accepted.
    /// A line that is not valid UTF-8 is an error naming `file` and the line (never silently replaced).
    static func lines(_ data: Data, file: String) throws -> [(Int, String)] {
        // Split bytes, not Characters: "\r\n" is one Character and would hide the line break.
        var parts = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return try parts.enumerated().map { index, part in
            guard let text = String(validating: part.last == UInt8(ascii: "\r") ? part.dropLast() : part, as: UTF8.self) else {
                throw InputError(file: file, place: "line \(index + 1)", expected: "UTF-8 text", found: "invalid UTF-8 bytes")
            }
            return (index + 1, text)
        }
    }

    /// The 1-based line holding the first byte sequence that is not UTF-8, and its byte offset.
    static func firstInvalidUTF8(_ data: Data) -> (line: Int, offset: Int) {
        var line = 1, start = 0
        for (i, byte) in data.enumerated() where byte == UInt8(ascii: "\n") {
            if String(validating: data[data.startIndex + start ..< data.startIndex + i], as: UTF8.self) == nil { return (line, start) }
            line += 1
            start = i + 1
        }
        return (line, start)
    }
}
