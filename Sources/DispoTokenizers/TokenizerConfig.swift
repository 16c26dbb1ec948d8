// tokenizer_config.json (+ added_tokens.json and special_tokens_map.json): the transformers-side settings that
// tokenizer.json does not hold — the tokenizer class, eos/bos tokens, add_bos_token, and added-token flags.

import DispoSupport
import Foundation

struct TokenizerConfig {
    var tokenizerClass: String?
    var eosToken: String?
    var bosToken: String?
    var addBosToken = false
    var addEosToken = false
    var addPrefixSpace = false
    /// Added tokens with their flags, from `added_tokens_decoder` and added_tokens.json.
    var addedTokens: [AddedToken] = []

    /// Reads the optional config files of `directory`; nil when it has none of them.
    static func read(directory: String) throws -> TokenizerConfig? {
        let configPath = directory + "/tokenizer_config.json"
        let addedPath = directory + "/added_tokens.json"
        let mapPath = directory + "/special_tokens_map.json"
        let fm = FileManager.default
        guard fm.fileExists(atPath: configPath) || fm.fileExists(atPath: addedPath) else { return nil }
        var config = TokenizerConfig()
        var specialNames = Set<String>()
        var byID: [TokenID: AddedToken] = [:]
        if fm.fileExists(atPath: configPath) {
            let root = try JSONReader.parse(try readFile(configPath), file: configPath)
            _ = try root.object()
            config.tokenizerClass = try root["tokenizer_class"]?.string()
            config.eosToken = try root["eos_token"]?.tokenContent()
            config.bosToken = try root["bos_token"]?.tokenContent()
            config.addBosToken = try root["add_bos_token"]?.bool() ?? false
            config.addEosToken = try root["add_eos_token"]?.bool() ?? false
            config.addPrefixSpace = try root["add_prefix_space"]?.bool() ?? false
            for name in ["eos_token", "bos_token", "unk_token", "pad_token"] {
                if let token = try root[name]?.tokenContent() { specialNames.insert(token) }
            }
            for node in try root["additional_special_tokens"]?.array() ?? [] { specialNames.insert(try node.tokenContent()) }
            for (key, node) in try root["added_tokens_decoder"]?.members() ?? [] {
                guard let id = Int32(key), id >= 0, Int(id) < JSONReader.maxTokenID else { throw node.error("an integer id as key", found: key) }
                byID[id] = try addedToken(node, id: id, defaultSpecial: false)
            }
        }
        if fm.fileExists(atPath: mapPath) {
            let map = try JSONReader.parse(try readFile(mapPath), file: mapPath)
            for (key, node) in try map.members() {
                if key == "additional_special_tokens" {
                    for item in try node.array() { specialNames.insert(try item.tokenContent()) }
                } else {
                    specialNames.insert(try node.tokenContent())
                }
            }
        }
        if fm.fileExists(atPath: addedPath) {
            for (content, node) in try JSONReader.parse(try readFile(addedPath), file: addedPath).members() {
                let id = try node.tokenID()
                if byID[id] == nil {
                    let special = specialNames.contains(content)
                    byID[id] = AddedToken(id: id, content: content, special: special, normalized: !special)
                }
            }
        }
        config.addedTokens = byID.values.sorted { $0.id < $1.id }
        return config
    }

    /// One added-token object (`{"content": …, "special": …, "lstrip": …}`) of tokenizer.json or tokenizer_config.json.
    static func addedToken(_ node: JSONReader, id: TokenID, defaultSpecial: Bool) throws -> AddedToken {
        let special = try node["special"]?.bool() ?? defaultSpecial
        return AddedToken(id: id, content: try node.member("content").string(), special: special,
                          lstrip: try node["lstrip"]?.bool() ?? false, rstrip: try node["rstrip"]?.bool() ?? false,
                          singleWord: try node["single_word"]?.bool() ?? false,
                          normalized: try node["normalized"]?.bool() ?? !special)
    }
}
