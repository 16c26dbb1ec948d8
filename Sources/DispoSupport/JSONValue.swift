// A strict JSON parser that remembers where each value is. Hand-written configuration files (pipelines,
// model configs) are read with it so that every error can name the file, the JSON path and the line.
// Strict: duplicate keys, trailing commas, comments, NaN and leading zeros are errors. Linear time;
// nesting is limited (512) so hostile input cannot exhaust the stack.

public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number and its source text (so integers keep their exact digits).
    case number(Double, String)
    case string(String)
    case array([JSONNodeValue])
    /// Members in file order.
    case object([(key: String, value: JSONNodeValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x.map(\.value) == y.map(\.value)
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value.value == $1.value.value }
        default: return false
        }
    }

    /// "a string", "an object", … for error messages.
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(_, let text): return text
        case .string(let s): return InputError.excerpt(s, limit: 40)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A value and the line (1-based) where it starts.
public struct JSONNodeValue: Sendable {
    public var value: JSONValue
    public var line: Int

    public init(value: JSONValue, line: Int) {
        self.value = value
        self.line = line
    }
}

public enum JSONParser {
    /// The `expected` texts of errors in valid JSON syntax that dispo still refuses, so callers can tell
    /// them from syntax errors ("invalid JSON").
    public static let numberRangeExpectation = "a number within ±1.8e308 (the range of a double)"
    public static let duplicateKeyExpectation = "each key once per object"

    /// Whether `error` (thrown by `parse`) is about valid JSON that dispo refuses, rather than broken syntax.
    public static func isValidSyntax(_ error: InputError) -> Bool {
        error.expected == numberRangeExpectation || error.expected == duplicateKeyExpectation
    }

    /// Parses `text` (the contents of `file`, starting at line `firstLine` of it).
    public static func parse(_ text: String, file: String, firstLine: Int = 1) throws -> JSONNodeValue {
        var parser = Parser(bytes: Array(text.utf8), file: file)
        parser.line = firstLine
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == parser.bytes.count else { throw parser.error("the end of the JSON text") }
        return value
    }

    public static func parse(contentsOf path: String) throws -> JSONNodeValue {
        let file = try MappedFile(path: path)
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw InputError(file: path, expected: "UTF-8 text", found: "invalid UTF-8 bytes")
        }
        return try parse(text, file: path)
    }

    private struct Parser {
        let bytes: [UInt8]
        let file: String
        var index = 0
        var line = 1

        func error(_ expected: String) -> InputError {
            let found = index < bytes.count ? "\"\(String(decoding: bytes[index..<min(bytes.count, index + 12)], as: UTF8.self))\""
                                            : "the end of the file"
            return InputError(file: file, place: "line \(line)", expected: expected, found: found)
        }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x0A: line += 1; index += 1
                case 0x20, 0x09, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONNodeValue {
            guard depth < 512 else { throw error("JSON nested at most 512 deep") }
            guard index < bytes.count else { throw error("a JSON value") }
            let start = line
            switch bytes[index] {
            case UInt8(ascii: "{"): return JSONNodeValue(value: try object(depth: depth), line: start)
            case UInt8(ascii: "["): return JSONNodeValue(value: try array(depth: depth), line: start)
            case UInt8(ascii: "\""): return JSONNodeValue(value: .string(try string()), line: start)
            case UInt8(ascii: "t"): try literal("true"); return JSONNodeValue(value: .bool(true), line: start)
            case UInt8(ascii: "f"): try literal("false"); return JSONNodeValue(value: .bool(false), line: start)
            case UInt8(ascii: "n"): try literal("null"); return JSONNodeValue(value: .null, line: start)
            default: return JSONNodeValue(value: try number(), line: start)
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard index + w.count <= bytes.count, Array(bytes[index..<(index + w.count)]) == w else { throw error("a JSON value") }
            index += w.count
        }

        mutating func object(depth: Int) throws -> JSONValue {
            index += 1
            var members: [(key: String, value: JSONNodeValue)] = []
            var seen: Set<String> = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object([]) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("a quoted key") }
                let keyLine = line
                let key = try string()
                guard seen.insert(key).inserted else {
                    throw InputError(file: file, place: "line \(keyLine)", expected: JSONParser.duplicateKeyExpectation,
                                     found: "\"\(key)\" again")
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("\":\" after a key") }
                index += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("\",\" or \"}\"") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw error("\",\" or \"}\"")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            index += 1
            var elements: [JSONNodeValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
            while true {
                skipSpace()
                elements.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("\",\" or \"]\"") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                throw error("\",\" or \"]\"")
            }
        }

        mutating func string() throws -> String {
            index += 1
            var out: [UInt8] = []
            while index < bytes.count {
                let c = bytes[index]
                if c == UInt8(ascii: "\"") { index += 1; return String(decoding: out, as: UTF8.self) }
                if c < 0x20 { throw error("a string without raw control characters (escape them)") }
                if c != UInt8(ascii: "\\") { out.append(c); index += 1; continue }
                index += 1
                guard index < bytes.count else { break }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out += Array(String(try unicodeEscape()).utf8)
                default: index -= 1; throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                }
            }
            throw error("a closing quote")
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
            else { throw error("four hex digits after \\u") }
            index += 4
            return v
        }

        mutating func unicodeEscape() throws -> Character {
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard index + 2 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("a low surrogate after a high surrogate")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("a low surrogate") }
                guard let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                    throw error("a valid surrogate pair")
                }
                return Character(scalar)
            }
            guard let scalar = Unicode.Scalar(high) else { throw error("a Unicode scalar, not a lone surrogate") }
            return Character(scalar)
        }

        mutating func number() throws -> JSONValue {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
            let intDigits = index - digitsStart
            guard intDigits > 0 else { index = start; throw error("a JSON value") }
            guard intDigits == 1 || bytes[digitsStart] != 0x30 else { index = start; throw error("a number without leading zeros") }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                let f = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                guard index > f else { throw error("digits after the decimal point") }
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                let e = index
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                guard index > e else { throw error("digits in the exponent") }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw InputError(file: file, place: "line \(line)", expected: JSONParser.numberRangeExpectation,
                                 found: InputError.excerpt(text, limit: 30))
            }
            return .number(value, text)
        }
    }
}
