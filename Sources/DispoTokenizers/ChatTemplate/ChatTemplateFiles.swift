// Finding and reading a chat template. `path` may be a tokenizer directory, a file in it (tokenizer.json), its
// tokenizer_config.json (any file named …config.json), or a .jinja file. In a directory, chat_template.jinja wins over the config's
// `chat_template` (as in transformers); that key is a string, or a list of {"name", "template"} of which
// "default" is used. The special tokens the template sees (bos_token, eos_token, unk_token, sep_token,
// pad_token, cls_token, mask_token) come from tokenizer_config.json, then special_tokens_map.json.

import DispoSupport
import Foundation

extension ChatTemplate {
    static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    /// The chat template for `path`; an error when there is none.
    public static func load(_ path: String) throws -> ChatTemplate {
        if let template = try loadIfPresent(path) { return template }
        let config = configPath(for: path)
        throw InputError(file: config, place: "$.chat_template", expected: "a chat template (Jinja text)",
                         found: FileManager.default.fileExists(atPath: config) ? "no chat_template key" : "no tokenizer_config.json",
                         hint: "pass --chat-template with a tokenizer_config.json or .jinja file that has one")
    }

    /// The chat template for `path`, or nil when neither chat_template.jinja nor a `chat_template` key exists.
    public static func loadIfPresent(_ path: String) throws -> ChatTemplate? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(file: path, expected: "a tokenizer directory, tokenizer_config.json or .jinja file", found: "nothing at this path")
        }
        let directory = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        let config = configPath(for: path)
        let tokens = try specialTokens(config: config, directory: directory.isEmpty ? "." : directory)
        let jinja = isDirectory.boolValue ? directory + "/chat_template.jinja" : path.hasSuffix(".jinja") ? path : nil
        if let jinja, FileManager.default.fileExists(atPath: jinja) {
            let data = try readFile(jinja)
            guard let text = String(data: data, encoding: .utf8) else {
                throw InputError(file: jinja, expected: "UTF-8 text", found: "invalid UTF-8 bytes")
            }
            return try ChatTemplate(source: text, file: jinja, specialTokens: tokens)
        }
        guard FileManager.default.fileExists(atPath: config) else { return nil }
        let root = try JSONReader.open(config).object()
        guard let node = root.optional("chat_template") else { return nil }
        if case .string(let text) = node.node.value {
            return try ChatTemplate(source: text, file: config, place: "$.chat_template, ", specialTokens: tokens)
        }
        var names: [String] = []
        for (index, entry) in try node.array().enumerated() {
            let object = try entry.object()
            let name = try object.required("name", "the template's name").string()
            names.append(name)
            if name == "default" {
                return try ChatTemplate(source: try object.required("template").string(), file: config,
                                        place: "$.chat_template[\(index)].template, ", specialTokens: tokens)
            }
        }
        throw node.error("a template named \"default\" among " + names.joined(separator: ", "))
    }

    /// tokenizer_config.json of a directory, or beside a file; a file named `…config.json` is the config itself.
    static func configPath(for path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return path + "/tokenizer_config.json"
        }
        if path.hasSuffix("config.json") { return path }
        let directory = (path as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/tokenizer_config.json"
    }

    /// The named special tokens of tokenizer_config.json, completed from special_tokens_map.json.
    static func specialTokens(config: String, directory: String) throws -> [String: String] {
        var tokens: [String: String] = [:]
        for file in [config, directory + "/special_tokens_map.json"] where FileManager.default.fileExists(atPath: file) {
            let root = try JSONReader.open(file).object()
            for name in specialTokenNames where tokens[name] == nil {
                guard let node = root.optional(name) else { continue }
                if case .string(let text) = node.node.value { tokens[name] = text; continue }
                tokens[name] = try node.object().required("content", "the token text").string()
            }
        }
        return tokens
    }
}
