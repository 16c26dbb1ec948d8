// JSON text for HTTP request and response bodies: a small value tree rendered with JSONString's escaping,
// numbers in Swift's shortest round-trip form (a Float written and read back with `JSONNumbers.float` is
// the same Float, bit for bit), non-finite numbers as null. Reading goes through DispoSupport's JSONParser.

import DispoSupport

public indirect enum JSONOut: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case array([JSONOut])
    case object([(String, JSONOut)])

    public static func ints(_ values: [Int32]) -> JSONOut { .array(values.map { .int(Int($0)) }) }
    public static func floats(_ values: [Float]) -> JSONOut { .array(values.map { .float($0) }) }

    /// The JSON text (compact, members in the given order).
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .float(let f): out += f.isFinite ? "\(f)" : "null"
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): out += JSONString.literal(s)
        case .array(let elements):
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                e.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                out += JSONString.literal(key)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }
}

/// Exact readers for numbers whose JSON text matters: 64-bit seeds (beyond a Double's 53 bits) and log-probs
/// (parsed from their text straight to Float, so no double rounding).
public enum JSONNumbers {
    public static func uint64(_ reader: JSONReader, _ what: String = "a whole number in [0, 2^64)") throws -> UInt64 {
        guard case .number(_, let text) = reader.node.value, let value = UInt64(text) else { throw reader.error(what) }
        return value
    }

    public static func float(_ reader: JSONReader, _ what: String = "a number") throws -> Float {
        guard case .number(_, let text) = reader.node.value, let value = Float(text), value.isFinite else {
            throw reader.error(what)
        }
        return value
    }

    /// Parses an HTTP body: UTF-8 JSON text, errors naming `source` (e.g. "http://host:8000/v1/completions").
    public static func parse(_ body: [UInt8], source: String) throws -> JSONReader {
        guard let text = String(validating: body, as: UTF8.self) else {
            throw InputError(file: source, expected: "a UTF-8 JSON body", found: "invalid UTF-8 bytes")
        }
        return JSONReader(node: try JSONParser.parse(text, file: source), file: source)
    }
}
