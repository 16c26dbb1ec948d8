// The one way dispo writes JSON: Codable values through Foundation's encoder with fixed settings (sorted
// keys, slashes as they are, full escaping), and metric lines (a flat object of numbers) written directly,
// with non-finite values as null. Every file dispo writes (metrics.jsonl, summary.json, state.json,
// manifests, eval results, rollout metadata) goes through here, so they all read back with the strict
// reader. A parsed `JSONValue` is written back with `text(_:)`.

import Foundation

public enum JSONWriter {
    /// `value` as JSON with sorted keys; `pretty` adds newlines and indentation. Non-finite floating-point
    /// values are an error (JSON has no NaN or infinity).
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try data(value, pretty: pretty), as: UTF8.self)
    }

    /// The UTF-8 bytes of `encode(value, pretty:)`.
    public static func data<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// A flat object of numbers on one line, keys sorted: `{"a":1.5,"b":null}`. Non-finite values are null.
    public static func metricsLine(_ metrics: [String: Double]) -> String {
        "{" + metrics.sorted { $0.key < $1.key }.map { key, value in
            JSONString.literal(key) + ":" + number(value)
        }.joined(separator: ",") + "}"
    }

    /// The shortest text that reads back as `value` (`0.1`, `1e-05`, `3`), or `null` when not finite.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension JSONWriter {
    /// A parsed JSON value written back compactly: members in their order, numbers as their source text,
    /// strings escaped by `JSONString`.
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(_, let text): return text
        case .string(let s): return JSONString.literal(s)
        case .array(let nodes): return "[" + nodes.map { text($0.value) }.joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.map { JSONString.literal($0.key) + ":" + text($0.value.value) }.joined(separator: ",") + "}"
        }
    }
}
