// What travels between the producing stages, in order:
//
//   prompt loader ──PromptBatch──▶ sampler ──GenerationBatch──▶ verifier workers ──ScoredBatch──▶ filter
//   filter ──StepBatch──▶ learner
//
// A generation batch is identified by (step, index): batch `index` of the batches drawn for learner step
// `step` (0-based here; metrics and checkpoints count steps done, 1-based). Each carries the prompt cursor
// after its prompts, which only the prompt loader advances.

import DispoEngine
import DispoShards

/// Prompts for one generation batch, drawn by the prompt loader.
public struct PromptBatch: Sendable {
    public var step: Int
    public var index: Int
    public var problems: [Problem]
    /// The cursor after these prompts.
    public var cursorAfter: ShardCursor
    /// The prompts this rank samples (all of them in one process; a data-parallel rank's share otherwise).
    public var share: Range<Int>
}

/// A generation batch after sampling: `groupSize` results per problem of the rank's share.
public struct GenerationBatch: Sendable {
    public var prompts: PromptBatch
    public var version: Int
    public var results: [[GenerationResult]]
    /// Time the sampler spent generating it (busy time, not waiting).
    public var seconds: Double
}

/// A generation batch after scoring (the groups of the rank's share; the whole batch after `GroupExchange`).
public struct ScoredBatch: Sendable {
    public var step: Int
    public var index: Int
    public var groups: [ScoredGroup]
    public var cursorAfter: ShardCursor
    public var sampleSeconds: Double
    public var verifySeconds: Double
}

/// The rollouts of one learner step: exactly `prompts_per_step` groups.
public struct StepBatch: Sendable {
    /// 0-based: the learner's (step + 1)-th update trains on it.
    public var step: Int
    /// The policy version that sampled it.
    public var version: Int
    public var groups: [ScoredGroup]
    /// The prompt cursor after the last generation batch the step used.
    public var cursor: ShardCursor
    /// Generation batches the step used, groups they held, and how many of those dynamic sampling kept.
    public var generationBatches: Int
    public var groupsSampled: Int
    public var groupsKept: Int
    public var sampleSeconds: Double
    public var verifySeconds: Double
}
