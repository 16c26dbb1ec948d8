// Prompt templates: how a dataset's problem text becomes the prompt the policy sees.
//
// - `plain`: the problem text as it is.
// - `qwen-boxed`: the Qwen2.5(-Math) chat format with the system prompt
//   "Please reason step by step, and put your final answer within \boxed{}." (needs `<|im_start|>`/`<|im_end|>`).
// - `dapo`: the DAPO-Math instruction, which asks for the answer on a final line `Answer: $Answer`.
// - `chat`: the model's own chat template (DispoTokenizers.ChatTemplate) with the problem as the user turn, an
//   optional system turn before it, and the generation prompt after it (`ChatPrompt`).

import DispoTokenizers

public enum PromptTemplate: Sendable {
    case plain
    case qwenBoxed
    case dapo
    case chat(ChatPrompt)

    /// The names `named(_:chat:)` accepts.
    public static let names = ["plain", "qwen-boxed", "dapo", "chat"]

    public static let boxedInstruction = "Please reason step by step, and put your final answer within \\boxed{}."
    public static let dapoInstruction = "Solve the following math problem step by step. The last line of your response should be of the form Answer: $Answer (without quotes) where $Answer is the answer to the problem."
    public static let dapoReminder = "Remember to put your answer on its own line after \"Answer:\""

    public var name: String {
        switch self {
        case .plain: return "plain"
        case .qwenBoxed: return "qwen-boxed"
        case .dapo: return "dapo"
        case .chat: return "chat"
        }
    }

    /// Special tokens the template writes literally; the tokenizer must know them.
    public var requiredSpecialTokens: [String] {
        switch self {
        case .plain, .dapo, .chat: return []
        case .qwenBoxed: return ["<|im_start|>", "<|im_end|>"]
        }
    }

    /// The prompt text for `problem`. Only a chat template can fail (an unsupported construct, or the template
    /// raising an exception), with an `InputError` naming the template file and line.
    public func render(problem: String) throws -> String {
        switch self {
        case .plain:
            return problem
        case .qwenBoxed:
            return "<|im_start|>system\n\(Self.boxedInstruction)<|im_end|>\n"
                + "<|im_start|>user\n\(problem)<|im_end|>\n<|im_start|>assistant\n"
        case .dapo:
            return "\(Self.dapoInstruction)\n\n\(problem)\n\n\(Self.dapoReminder)"
        case .chat(let chat):
            return try chat.render(problem: problem)
        }
    }

    /// Parses a template name; an unknown name lists the valid ones. `chat` needs the loaded chat prompt.
    public static func named(_ name: String, chat: ChatPrompt? = nil) throws -> PromptTemplate {
        switch name {
        case "plain": return .plain
        case "qwen-boxed": return .qwenBoxed
        case "dapo": return .dapo
        case "chat":
            guard let chat else { throw TemplateError(name: name, reason: "the chat template needs the model's tokenizer_config.json") }
            return .chat(chat)
        default: throw TemplateError(name: name)
        }
    }
}

/// A conversation made from one problem with a model's chat template.
public struct ChatPrompt: Sendable {
    public var template: ChatTemplate
    /// The system turn before the problem; nil leaves it to the template (some add their own default).
    public var systemPrompt: String?
    /// Ends the prompt with the assistant's turn header, as `add_generation_prompt=True` does.
    public var addGenerationPrompt = true
    /// Extra template variables (`enable_thinking`, `date_string`, …).
    public var variables: [String: TemplateValue] = [:]

    public init(template: ChatTemplate, systemPrompt: String? = nil) {
        self.template = template
        self.systemPrompt = systemPrompt
    }

    public func render(problem: String) throws -> String {
        var messages: [ChatMessage] = []
        if let systemPrompt { messages.append(ChatMessage(role: "system", content: systemPrompt)) }
        messages.append(ChatMessage(role: "user", content: problem))
        return try template.render(messages, addGenerationPrompt: addGenerationPrompt, variables: variables)
    }
}

public struct TemplateError: Error, CustomStringConvertible {
    public var name: String
    public var reason: String?

    public init(name: String, reason: String? = nil) {
        self.name = name
        self.reason = reason
    }

    public var description: String {
        if let reason { return "template \"\(name)\": \(reason)" }
        return "unknown template \"\(name)\"; expected one of: \(PromptTemplate.names.joined(separator: ", "))"
    }
}
