// The dynamic group filter's state machine: it turns scored generation batches, arriving in any order,
// into step batches of exactly B groups. A plain struct returning actions, so that the filter stage that runs
// in a pipeline and the unit tests exercise the same code (as the channels' ChannelStateMachine does).
//
// The rule (docs/PIPELINE.md, "Which groups a step trains on"):
// - Step s is made from its generation batches 0, 1, 2, … in index order, whatever order they arrive in.
// - With dynamic sampling off every group is kept, and the prompt loader draws exactly B prompts for the step,
//   so the step holds exactly its own groups. With it on, a group whose responses all have the same accuracy
//   is dropped (DAPO), and the step takes the first B kept groups; the other kept groups of its last batch
//   are dropped, as in DAPO.
// - The step ends with the batch that completes it. Batches of the step with a higher index were sampled
//   speculatively (the sampler runs ahead while earlier batches are verified): they are discarded, and their
//   prompts are drawn again, for the next step, from the cursor stored with the step's last batch. So what a
//   step trains on depends only on the spec and the seed — never on timing, worker count or channel sizes.
// - A step that has used `max_gen_batches` batches without B kept groups fails the run (DynamicSamplingError).

/// The part of a scored generation batch the assembler needs; `Payload` is what the stage carries along.
public struct AssemblerBatch<Group: Sendable, Payload: Sendable>: Sendable {
    public var step: Int
    public var index: Int
    public var groups: [Group]
    /// Whether each group is kept (dynamic sampling's verdict; all true when it is off).
    public var kept: [Bool]
    public var payload: Payload

    public init(step: Int, index: Int, groups: [Group], kept: [Bool], payload: Payload) {
        precondition(groups.count == kept.count, "one kept flag per group")
        self.step = step
        self.index = index
        self.groups = groups
        self.kept = kept
        self.payload = payload
    }
}

public struct StepAssembler<Group: Sendable, Payload: Sendable>: Sendable {
    public typealias Batch = AssemblerBatch<Group, Payload>

    public enum Action: Sendable {
        /// Step `step` is complete: exactly `target` groups, from the batches whose payloads are listed (in
        /// index order; the last completed the step).
        case complete(step: Int, groups: [Group], used: [Payload], sampledGroups: Int, keptGroups: Int)
        /// The step used `tried` batches and kept only `kept` groups.
        case exhausted(step: Int, tried: Int, kept: Int)
    }

    public let target: Int
    public let maxGenBatches: Int
    /// The step being assembled, and the index of the next batch it needs.
    public private(set) var step: Int
    public private(set) var nextIndex = 0
    /// Batches that arrived ahead of their turn, by (step, index).
    private var waiting: [Key: Batch] = [:]
    private var kept: [Group] = []
    private var used: [Payload] = []
    private var sampledGroups = 0, keptGroups = 0
    /// Batches received after their step was complete.
    public private(set) var discarded = 0
    private var failed = false

    private struct Key: Hashable { var step: Int, index: Int }

    /// Assembles steps `firstStep`, `firstStep + 1`, … of `target` groups each; `maxGenBatches` 0 = no limit.
    public init(firstStep: Int, target: Int, maxGenBatches: Int) {
        precondition(target > 0, "a step needs at least one group")
        step = firstStep
        self.target = target
        self.maxGenBatches = maxGenBatches
    }

    /// Whether batch `index` of `step` can no longer be used (its step is complete).
    public func isStale(step s: Int, index: Int) -> Bool { s < step }

    /// Takes one scored batch; returns the steps it (and batches waiting for it) completed, in order.
    public mutating func receive(_ batch: Batch) -> [Action] {
        guard !failed else { return [] }
        if batch.step < step {
            discarded += 1
            return []
        }
        waiting[Key(step: batch.step, index: batch.index)] = batch
        var actions: [Action] = []
        while let next = waiting.removeValue(forKey: Key(step: step, index: nextIndex)) {
            nextIndex += 1
            sampledGroups += next.groups.count
            used.append(next.payload)
            for (group, keep) in zip(next.groups, next.kept) where keep {
                keptGroups += 1
                if kept.count < target { kept.append(group) }
            }
            if kept.count == target {
                actions.append(.complete(step: step, groups: kept, used: used, sampledGroups: sampledGroups, keptGroups: keptGroups))
                startNextStep()
            } else if maxGenBatches > 0, nextIndex >= maxGenBatches {
                actions.append(.exhausted(step: step, tried: nextIndex, kept: kept.count))
                failed = true
                return actions
            }
        }
        return actions
    }

    private mutating func startNextStep() {
        let before = waiting.count
        waiting = waiting.filter { $0.key.step > step }
        discarded += before - waiting.count
        step += 1
        nextIndex = 0
        kept = []
        used = []
        sampledGroups = 0
        keptGroups = 0
    }
}
