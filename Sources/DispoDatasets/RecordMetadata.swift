// Record metadata as JSON text: the dataset's own fields (any JSON, kept as read) plus dispo's (`id`, `source`,
// `row`, `answer`, `prompt_tokens`), written through DispoSupport's JSONWriter (sorted keys, full escaping).
// Integers keep their digits; other numbers are written as the Double they read as.

import DispoSupport

enum RecordMetadata {
    /// The UTF-8 JSON object of `metadata`, keys sorted.
    static func bytes(_ metadata: [String: JSONValue]) throws -> [UInt8] {
        Array(try JSONWriter.data(metadata.mapValues(EncodableJSON.init)))
    }
}

/// A parsed JSON value, encodable again.
struct EncodableJSON: Encodable {
    let value: JSONValue

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(EncodableJSON(value: item.value)) }
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, member) in members { try container.encode(EncodableJSON(value: member.value), forKey: Key(stringValue: key)) }
        default:
            var container = encoder.singleValueContainer()
            switch value {
            case .bool(let b): try container.encode(b)
            case .number(let d, let text): if let i = Int(text) { try container.encode(i) } else { try container.encode(d) }
            case .string(let s): try container.encode(s)
            default: try container.encodeNil()
            }
        }
    }
}
