// The rollout record: one sampled response to one prompt, with what the learner needs to train on it and
// what a user needs to study it later. The pipeline's sampler and verifier make them, the rollout recorder
// writes them (RUN_DIR/rollouts/), the learner trains on them, and `dispo learn` reads them back from a run's
// rollout shards or from JSONL (RolloutFile). One type, one meaning for each field:
//
//   truncated  the response hit max_new_tokens without a stop token (a fact about the sample)
//   masked     the response is excluded from the loss (a decision, made once when it is scored, e.g. truncated
//              responses under `scoring.overlong.mask_truncated`); the learner only reads it
//   group      which responses share an advantage baseline: in a run, the group's step and its slot in that
//              step's batch (two draws of one problem in a step are two groups); in a JSONL file, its label
//   version    the policy version that sampled it (nil when a file does not say)

import DispoSupport

/// Which responses share an advantage baseline.
public enum GroupKey: Hashable, Sendable, CustomStringConvertible {
    /// A group of a run: learner step `step` (1-based), position `slot` in that step's batch.
    case run(step: Int, slot: Int)
    /// A group of a rollout file, named by its `group` field.
    case label(String)

    public var description: String {
        switch self {
        case .run(let step, let slot): return "\(step):\(slot)"
        case .label(let text): return text
        }
    }
}

public struct Rollout: Sendable, Equatable {
    public var promptIDs: [TokenID]
    /// The generated tokens, the stop token included when the response stopped.
    public var responseIDs: [TokenID]
    /// log π_old of each response token under the sampling temperature.
    public var oldLogProbs: [Float]
    public var reward: Double
    public var group: GroupKey
    public var correct: Bool
    public var truncated: Bool
    public var masked: Bool
    public var version: Int?

    public init(promptIDs: [TokenID], responseIDs: [TokenID], oldLogProbs: [Float], reward: Double, group: GroupKey,
                correct: Bool? = nil, truncated: Bool = false, masked: Bool = false, version: Int? = nil) {
        self.promptIDs = promptIDs
        self.responseIDs = responseIDs
        self.oldLogProbs = oldLogProbs
        self.reward = reward
        self.group = group
        self.correct = correct ?? (reward > 0)
        self.truncated = truncated
        self.masked = masked
        self.version = version
    }
}

/// What the rollout recorder stores with each rollout (the metadata of its shard record; the record's tokens
/// are prompt + response, its loss mask covers the response). Field names are the JSON keys.
public struct RecordedRollout: Codable, Sendable, Equatable {
    /// The learner step (1-based) that trained on it, and the group's slot in that step.
    public var step: Int
    public var slot: Int
    /// The response's index within its group.
    public var sample: Int
    public var version: Int
    public var problemID: String
    /// The problem's record index in the training shard set.
    public var problemIndex: Int
    public var answer: String
    public var promptTokens: Int
    public var oldLogprobs: [Float]
    public var reward: Double
    public var correct: Bool
    public var truncated: Bool
    public var masked: Bool
    public var repetitive: Bool
    /// The answer the verifier extracted, if any, and why it judged as it did.
    public var extracted: String?
    public var reason: String
    /// `stop` (a stop token ended it) or `length` (max_new_tokens).
    public var finishReason: String

    enum CodingKeys: String, CodingKey {
        case step, slot, sample, version, problemID = "problem_id", problemIndex = "problem_index", answer
        case promptTokens = "prompt_tokens", oldLogprobs = "old_logprobs", reward, correct, truncated, masked, repetitive
        case extracted, reason, finishReason = "finish_reason"
    }

    public init(step: Int, slot: Int, sample: Int, version: Int, problemID: String, problemIndex: Int, answer: String,
                promptTokens: Int, oldLogprobs: [Float], reward: Double, correct: Bool, truncated: Bool, masked: Bool,
                repetitive: Bool, extracted: String?, reason: String, finishReason: String) {
        self.step = step; self.slot = slot; self.sample = sample; self.version = version
        self.problemID = problemID; self.problemIndex = problemIndex; self.answer = answer
        self.promptTokens = promptTokens; self.oldLogprobs = oldLogprobs; self.reward = reward
        self.correct = correct; self.truncated = truncated; self.masked = masked; self.repetitive = repetitive
        self.extracted = extracted; self.reason = reason; self.finishReason = finishReason
    }

    /// `extracted` is written as null when absent, so every record has the same keys.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(step, forKey: .step); try c.encode(slot, forKey: .slot); try c.encode(sample, forKey: .sample)
        try c.encode(version, forKey: .version); try c.encode(problemID, forKey: .problemID)
        try c.encode(problemIndex, forKey: .problemIndex); try c.encode(answer, forKey: .answer)
        try c.encode(promptTokens, forKey: .promptTokens); try c.encode(oldLogprobs, forKey: .oldLogprobs)
        try c.encode(reward, forKey: .reward); try c.encode(correct, forKey: .correct)
        try c.encode(truncated, forKey: .truncated); try c.encode(masked, forKey: .masked)
        try c.encode(repetitive, forKey: .repetitive); try c.encode(extracted, forKey: .extracted)
        try c.encode(reason, forKey: .reason); try c.encode(finishReason, forKey: .finishReason)
    }

    /// The learner's view of a recorded rollout whose record holds `tokens` (prompt + response).
    public func rollout(tokens: [TokenID]) -> Rollout {
        Rollout(promptIDs: Array(tokens[..<promptTokens]), responseIDs: Array(tokens[promptTokens...]), oldLogProbs: oldLogprobs,
                reward: reward, group: .run(step: step, slot: slot), correct: correct, truncated: truncated, masked: masked,
                version: version)
    }
}
