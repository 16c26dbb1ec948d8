// `data.prepare`: the run shards its own data. With it, `data.train` and `data.eval` name dataset files
// (JSONL or a JSON array, as `dispo shard` reads them) instead of shard sets, and the run renders each problem
// with the given prompt template — `chat` being the model's own chat template from the tokenizer's
// tokenizer_config.json — tokenizes it with the run's tokenizer and shards it before anything else, into a
// cache directory named by the hash of everything that decides the shards' bytes (Run/PreparedData.swift).

import DispoSupport

public struct DataPreparation: Codable, Sendable, Equatable {
    /// A prompt template of `dispo shard --template`: plain, qwen-boxed, dapo or chat.
    public var template: String
    /// With `chat`: a system turn before each problem (none: the template's own default, if any).
    public var systemPrompt: String?
    /// With `chat`: template variables (e.g. `{"enable_thinking": false}`).
    public var chatVariables: [String: ChatVariable]?
    /// With `chat`: end the prompt with the assistant's turn header (`add_generation_prompt`).
    public var addGenerationPrompt: Bool
    /// Dataset fields (default: found automatically, as `dispo shard` finds them).
    public var promptField: String?
    public var answerField: String?
    /// Skip records that cannot be used (empty prompts, no answer…), counted in the log; false = an error.
    public var skipBad: Bool
    /// Where prepared shard sets are kept, one directory per content hash.
    public var cache: String

    enum CodingKeys: String, CodingKey {
        case template, systemPrompt = "system_prompt", chatVariables = "chat_variables",
             addGenerationPrompt = "add_generation_prompt", promptField = "prompt_field", answerField = "answer_field",
             skipBad = "skip_bad", cache
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        template = try c.decodeIfPresent(String.self, forKey: .template) ?? "plain"
        systemPrompt = try c.decodeIfPresent(String.self, forKey: .systemPrompt)
        chatVariables = try c.decodeIfPresent([String: ChatVariable].self, forKey: .chatVariables)
        addGenerationPrompt = try c.decodeIfPresent(Bool.self, forKey: .addGenerationPrompt) ?? true
        promptField = try c.decodeIfPresent(String.self, forKey: .promptField)
        answerField = try c.decodeIfPresent(String.self, forKey: .answerField)
        skipBad = try c.decodeIfPresent(Bool.self, forKey: .skipBad) ?? false
        cache = try c.decodeIfPresent(String.self, forKey: .cache) ?? "runs/prepared"
    }
}

/// A chat-template variable: a boolean, a number or a string.
public enum ChatVariable: Codable, Sendable, Equatable {
    case bool(Bool)
    case number(Double)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else { self = .string(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        }
    }
}
