// The post-processor stage, applied only when `addSpecialTokens` is true: `TemplateProcessing` (single-sequence
// template, e.g. Llama-3's `<|begin_of_text|> $A`), `ByteLevel` (offsets only, so no change to ids), `Sequence`,
// and the slow files' `add_bos_token` / `add_eos_token`. A missing post-processor is the identity.

import DispoSupport

struct PostProcessor: Sendable {
    /// Ids before and after the sequence.
    var prefix: [TokenID] = []
    var suffix: [TokenID] = []

    static let knownTypes = ["ByteLevel", "TemplateProcessing", "Sequence"]

    static func parse(_ node: JSONNode?) throws -> PostProcessor {
        var processor = PostProcessor()
        guard let node else { return processor }
        try processor.add(node)
        return processor
    }

    private mutating func add(_ node: JSONNode) throws {
        let type = try node.required("type").string()
        switch type {
        case "ByteLevel": return
        case "Sequence":
            for stage in try node.required("processors").array() { try add(stage) }
        case "TemplateProcessing":
            let specials = try node["special_tokens"]?.object() ?? [:]
            var seenSequence = false
            for item in try node.required("single").array() {
                if let special = item["SpecialToken"] {
                    let name = try special.required("id").string()
                    guard specials[name] != nil else {
                        throw InputError(file: node.file, place: special.path + ".id",
                                         expected: "a key of \(node.path).special_tokens", found: InputError.excerpt(name))
                    }
                    let entry = try node.required("special_tokens").required(name)
                    let ids = try entry.required("ids").array().map { try $0.tokenID() }
                    if seenSequence { suffix += ids } else { prefix += ids }
                } else if item["Sequence"] != nil {
                    seenSequence = true
                } else {
                    throw item.error("{\"SpecialToken\": …} or {\"Sequence\": …}")
                }
            }
        default:
            throw InputError(file: node.file, place: node.path + ".type",
                             expected: "a post-processor type of " + PostProcessor.knownTypes.joined(separator: ", "),
                             found: InputError.excerpt(type))
        }
    }

    func apply(_ ids: [TokenID]) -> [TokenID] {
        if prefix.isEmpty && suffix.isEmpty { return ids }
        return prefix + ids + suffix
    }
}
