// A model's own chat template: the Jinja text of `chat_template` in tokenizer_config.json (or a
// chat_template.jinja file beside it, which takes precedence, as in transformers), rendered for a conversation
// as transformers' `apply_chat_template` renders it: the context holds `messages`, `tools` and `documents`
// (none), `add_generation_prompt`, the named special tokens of the config (`bos_token`, `eos_token`, …) and
// any extra variables (`enable_thinking`, `date_string`, …). The text is then encoded with the tokenizer
// without adding special tokens, which is what `apply_chat_template(tokenize=True)` does.
//
// Only a subset of Jinja is implemented (the one real chat templates use, see docs/CHAT_TEMPLATES.md); any
// construct outside it is an `InputError` naming the file, the template line and column, and the construct —
// never a silently different prompt.

import DispoSupport
import Foundation

public struct ChatMessage: Sendable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

public struct ChatTemplate: Sendable {
    /// Where the template came from (a tokenizer_config.json, a .jinja file, or a name given by the caller).
    public let file: String
    /// The template text.
    public let source: String
    /// Named special tokens passed to the template (`bos_token`, `eos_token`, …).
    public let specialTokens: [String: String]
    private let nodes: [TemplateNode]
    private let place: String

    /// Parses `source`; `place` prefixes positions in errors (e.g. "$.chat_template, ").
    public init(source: String, file: String, place: String = "", specialTokens: [String: String] = [:]) throws {
        self.file = file
        self.source = source
        self.place = place
        self.specialTokens = specialTokens
        let fail = Self.failure(source: source, file: file, place: place)
        let segments = try TemplateLexer(source: source, fail: fail).segments()
        var parser = TemplateParser(segments: segments, fail: fail)
        nodes = try parser.parse()
    }

    /// XXH64 (hex) of the template text, to record which template made a prompt.
    public var hash: String { XXH64.hex(XXH64.hash(Array(source.utf8))) }

    /// Renders `messages` (role and content) as `apply_chat_template(messages, add_generation_prompt=…,
    /// tokenize=False, **variables)` does.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool,
                       variables: [String: TemplateValue] = [:]) throws -> String {
        let list = messages.map { message -> TemplateValue in
            var dict = TemplateDict()
            dict["role"] = .string(message.role)
            dict["content"] = .string(message.content)
            return .dict(dict)
        }
        return try render(messages: list, addGenerationPrompt: addGenerationPrompt, variables: variables)
    }

    /// Renders messages given as template values (dicts with any fields).
    public func render(messages: [TemplateValue], addGenerationPrompt: Bool,
                       variables: [String: TemplateValue] = [:]) throws -> String {
        var context: [String: TemplateValue] = [:]
        for (name, token) in specialTokens { context[name] = .string(token) }
        for (name, value) in variables {
            guard !Self.reservedNames.contains(name) else {
                throw InputError(file: file, place: "template variable \(name)", expected: "a name other than "
                                 + Self.reservedNames.sorted().joined(separator: ", "), found: name)
            }
            context[name] = value
        }
        context["messages"] = .list(messages)
        context["tools"] = TemplateValue.none
        context["documents"] = TemplateValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        let renderer = TemplateRenderer(context: context, fail: Self.failure(source: source, file: file, place: place))
        _ = try renderer.run(nodes)
        return renderer.output
    }

    static let reservedNames: Set<String> = ["messages", "tools", "documents", "add_generation_prompt"]

    /// The error maker: `FILE: PLACEline L, column C: expected …, found <the template line>`.
    static func failure(source: String, file: String, place: String) -> (String, Int) -> any Error {
        let scalars = Array(source.replacingCRLF().unicodeScalars)
        return { expected, offset in
            let (line, column) = TemplateLexer.lineAndColumn(scalars, offset)
            let lines = source.replacingCRLF().split(separator: "\n", omittingEmptySubsequences: false)
            let text = line - 1 < lines.count ? String(lines[line - 1]) : ""
            return InputError(file: file, place: "\(place)template line \(line), column \(column)", expected: expected,
                              found: InputError.excerpt(text.trimmingCharacters(in: .whitespaces), limit: 80))
        }
    }
}

extension ChatTemplate {
    /// The ids that end an assistant turn in this template: Qwen's `<|im_end|>`, Llama-3's `<|eot_id|>`,
    /// DeepSeek-R1's `<｜end▁of▁sentence｜>`. Found by rendering a user turn and an assistant turn and taking the
    /// first special token written right after the assistant's text (only white space may come before it);
    /// empty when there is none. A sampler stops on these as well as on the tokenizer's EOS.
    public func endOfTurnTokenIDs(tokenizer: any Tokenizer) throws -> [TokenID] {
        let probe = "dispo-end-of-turn-probe"
        let text = try render([ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: probe)],
                              addGenerationPrompt: false)
        guard let at = PythonText.find(text, probe, last: true) else { return [] }
        let suffix = String(decoding: Array(text.utf8)[(at + probe.utf8.count)...], as: UTF8.self)
        for id in tokenizer.encode(suffix) {
            let full = try tokenizer.decode([id], skipSpecialTokens: false)
            if try tokenizer.decode([id], skipSpecialTokens: true).isEmpty && !full.isEmpty { return [id] }
            if !full.unicodeScalars.allSatisfy(PythonText.isSpace) { break }
        }
        return []
    }

    /// The end-of-turn ids of the chat template that belongs with the tokenizer at `tokenizerPath` (see
    /// `load(_:)`); empty when there is no chat template there.
    public static func endOfTurnTokenIDs(tokenizerPath: String, tokenizer: any Tokenizer) throws -> [TokenID] {
        guard let template = try loadIfPresent(tokenizerPath) else { return [] }
        return try template.endOfTurnTokenIDs(tokenizer: tokenizer)
    }
}
