// The normalizer stage: Unicode normalization forms (NFC, NFD, NFKC, NFKD), Lowercase, and Sequence of those.
// A missing normalizer is the identity. Text whose scalars are all below U+0300 is already in NFC (every such
// scalar is NFC-stable with combining class 0), so NFC skips the Foundation call for it, which covers ASCII math.

import DispoSupport
import Foundation

indirect enum Normalizer: Sendable, Equatable {
    case nfc, nfd, nfkc, nfkd, lowercase
    case sequence([Normalizer])

    static let knownTypes = ["NFC", "NFD", "NFKC", "NFKD", "Lowercase", "Sequence"]

    /// Parses a `normalizer` object of tokenizer.json; nil for JSON null (the identity).
    static func parse(_ node: JSONReader?) throws -> Normalizer? {
        guard let node else { return nil }
        let typeNode = try node.member("type")
        let type = try typeNode.string()
        switch type {
        case "NFC": return .nfc
        case "NFD": return .nfd
        case "NFKC": return .nfkc
        case "NFKD": return .nfkd
        case "Lowercase": return .lowercase
        case "Sequence": return .sequence(try node.member("normalizers").array().compactMap { try parse($0) })
        default:
            throw typeNode.error("a normalizer type of " + knownTypes.joined(separator: ", "))
        }
    }

    /// The normalized bytes, or nil when the text is unchanged.
    func apply(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        switch self {
        case .sequence(let stages):
            var current: [UInt8]? = nil
            for stage in stages {
                if let c = current {
                    if let changed = c.withUnsafeBufferPointer({ stage.apply($0) }) { current = changed }
                } else {
                    current = stage.apply(bytes)
                }
            }
            return current
        case .nfc:
            // Lead bytes below 0xCC encode scalars below U+0300.
            if !bytes.contains(where: { $0 >= 0xCC }) { return nil }
            return Array(String(decoding: bytes, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
        case .nfd, .nfkd, .nfkc:
            if !bytes.contains(where: { $0 >= 0x80 }) { return nil }
            let text = String(decoding: bytes, as: UTF8.self)
            let out = self == .nfd ? text.decomposedStringWithCanonicalMapping
                : self == .nfkd ? text.decomposedStringWithCompatibilityMapping : text.precomposedStringWithCompatibilityMapping
            return Array(out.utf8)
        case .lowercase:
            return Array(String(decoding: bytes, as: UTF8.self).lowercased().utf8)
        }
    }
}
