// Prompt templates: how a dataset's problem text becomes the prompt the policy sees.
//
// - `plain`: the problem text as it is.
// - `qwen-boxed`: the Qwen2.5(-Math) chat format with the system prompt
//   "Please reason step by step, and put your final answer within \boxed{}." (needs `<|im_start|>`/`<|im_end|>`).
// - `dapo`: the DAPO-Math instruction, which asks for the answer on a final line `Answer: $Answer`.

public enum PromptTemplate: String, Sendable, CaseIterable {
    case plain
    case qwenBoxed = "qwen-boxed"
    case dapo

    public static let boxedInstruction = "Please reason step by step, and put your final answer within \\boxed{}."
    public static let dapoInstruction = "Solve the following math problem step by step. The last line of your response should be of the form Answer: $Answer (without quotes) where $Answer is the answer to the problem."
    public static let dapoReminder = "Remember to put your answer on its own line after \"Answer:\""

    /// Special tokens the template writes literally; the tokenizer must know them.
    public var requiredSpecialTokens: [String] {
        switch self {
        case .plain, .dapo: return []
        case .qwenBoxed: return ["<|im_start|>", "<|im_end|>"]
        }
    }

    public func render(problem: String) -> String {
        switch self {
        case .plain:
            return problem
        case .qwenBoxed:
            return "<|im_start|>system\n\(Self.boxedInstruction)<|im_end|>\n"
                + "<|im_start|>user\n\(problem)<|im_end|>\n<|im_start|>assistant\n"
        case .dapo:
            return "\(Self.dapoInstruction)\n\n\(problem)\n\n\(Self.dapoReminder)"
        }
    }

    /// Parses a template name; an unknown name lists the valid ones.
    public static func named(_ name: String) throws -> PromptTemplate {
        guard let template = PromptTemplate(rawValue: name) else {
            throw TemplateError(name: name)
        }
        return template
    }
}

public struct TemplateError: Error, CustomStringConvertible {
    public var name: String
    public var description: String {
        "unknown template \"\(name)\"; expected one of: \(PromptTemplate.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
