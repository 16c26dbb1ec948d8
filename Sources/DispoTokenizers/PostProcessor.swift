// The post-processor stage, applied only when `addSpecialTokens` is true: `TemplateProcessing` (single-sequence
// template, e.g. Llama-3's `<|begin_of_text|> $A`), `ByteLevel` (offsets only, so no change to ids), `Sequence`,
// and the slow files' `add_bos_token` / `add_eos_token`. A missing post-processor is the identity.

import DispoSupport

struct PostProcessor: Sendable {
    /// Ids before and after the sequence.
    var prefix: [TokenID] = []
    var suffix: [TokenID] = []

    static let knownTypes = ["ByteLevel", "TemplateProcessing", "Sequence"]

    static func parse(_ node: JSONReader?) throws -> PostProcessor {
        var processor = PostProcessor()
        guard let node else { return processor }
        try processor.add(node)
        return processor
    }

    private mutating func add(_ node: JSONReader) throws {
        let typeNode = try node.member("type")
        switch try typeNode.string() {
        case "ByteLevel": return
        case "Sequence":
            for stage in try node.member("processors").array() { try add(stage) }
        case "TemplateProcessing":
            let specials = node["special_tokens"]
            var seenSequence = false
            for item in try node.member("single").array() {
                if let special = item["SpecialToken"] {
                    let idNode = try special.member("id")
                    let name = try idNode.string()
                    guard let entry = specials?[name] else { throw idNode.error("a key of \(node.path).special_tokens") }
                    let ids = try entry.member("ids").array().map { try $0.tokenID() }
                    if seenSequence { suffix += ids } else { prefix += ids }
                } else if item["Sequence"] != nil {
                    seenSequence = true
                } else {
                    throw item.error("{\"SpecialToken\": …} or {\"Sequence\": …}")
                }
            }
        default:
            throw typeNode.error("a post-processor type of " + PostProcessor.knownTypes.joined(separator: ", "))
        }
    }

    func apply(_ ids: [TokenID]) -> [TokenID] {
        if prefix.isEmpty && suffix.isEmpty { return ids }
        return prefix + ids + suffix
    }
}
