// The decoder stage: ids back to text. `ByteLevel` maps each token's characters back to bytes through GPT-2's
// table (a token with a character outside the table, e.g. an added token in plain Unicode, contributes its own
// UTF-8 bytes, as in Hugging Face), then the bytes become a String with invalid sequences replaced by U+FFFD
// (Rust's `from_utf8_lossy` and Swift's decoding both replace each maximal invalid subpart). Without a decoder,
// Hugging Face joins the tokens with spaces; so does this.

import DispoSupport

enum TokenDecoder: Sendable {
    case byteLevel
    case joinWithSpaces

    static let knownTypes = ["ByteLevel", "Sequence (of ByteLevel)"]

    static func parse(_ node: JSONReader?) throws -> TokenDecoder {
        guard let node else { return .joinWithSpaces }
        let typeNode = try node.member("type")
        switch try typeNode.string() {
        case "ByteLevel": return .byteLevel
        case "Sequence":
            let stages = try node.member("decoders").array()
            if stages.count == 1 { return try parse(stages[0]) }
            fallthrough
        default:
            throw typeNode.error("a decoder type of " + knownTypes.joined(separator: ", "))
        }
    }
}

/// Per-id output bytes, precomputed once: decoding is then a concatenation.
struct DecodeTable: Sendable {
    private let bytes: [UInt8]
    private let starts: [Int]  // count + 1 entries
    private let present: [Bool]
    let special: [Bool]

    /// `tokens[id]` is the token string of `id` (nil for a hole in the id space).
    init(tokens: [String?], special: [Bool], decoder: TokenDecoder) {
        var bytes: [UInt8] = []
        var starts = [0]
        starts.reserveCapacity(tokens.count + 1)
        for token in tokens {
            if let token {
                if decoder == .byteLevel, let raw = ByteLevel.decode(token) {
                    bytes.append(contentsOf: raw)
                } else {
                    bytes.append(contentsOf: token.utf8)
                }
            }
            starts.append(bytes.count)
        }
        self.bytes = bytes
        self.starts = starts
        present = tokens.map { $0 != nil }
        self.special = special
    }

    func decode(_ ids: [TokenID], skipSpecialTokens: Bool, separator: [UInt8], tokenizer: String) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(ids.count * 4)
        var first = true
        for (position, id) in ids.enumerated() {
            guard id >= 0, Int(id) < present.count, present[Int(id)] else {
                throw InputError(file: "token ids for tokenizer \(tokenizer)", place: "position \(position)",
                                 expected: "an id of the vocabulary (0..<\(present.count))", found: "\(id)")
            }
            if skipSpecialTokens && special[Int(id)] { continue }
            if !first { out.append(contentsOf: separator) }
            first = false
            out.append(contentsOf: bytes[starts[Int(id)]..<starts[Int(id) + 1]])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
