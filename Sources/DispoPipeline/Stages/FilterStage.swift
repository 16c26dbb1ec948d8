// The dynamic group filter stage: feeds scored batches to the StepAssembler (the state machine its tests
// exercise), records each step's end for the stages upstream the moment the step is complete, and sends
// the step's batch to the learner. It returns once the last step of the run is sent. In a data-parallel run
// it first exchanges each of its rank's batches, in order, for the whole batch (GroupExchange).

import DispoChannels
import DispoShards
import DispoVerifier

struct FilterStage: Sendable {
    let target: Int
    let dynamic: Bool
    let maxGenBatches: Int
    let boundaries: StepBoundaries
    let input: BoundedChannel<ScoredBatch>
    let output: BoundedChannel<StepBatch>
    /// Data-parallel runs: the exchange that gives every rank the whole of each batch; nil in one process.
    var exchange: GroupExchange?

    private struct Info: Sendable {
        var index: Int
        var cursorAfter: ShardCursor
        var sampleSeconds: Double
        var verifySeconds: Double
    }

    /// Assembles steps `steps`; finishes `output` after the last one.
    func run(steps: Range<Int>) async throws {
        guard !steps.isEmpty else { output.finish(); return }
        var machine = StepAssembler<ScoredGroup, Info>(firstStep: steps.lowerBound, target: target,
                                                       maxGenBatches: dynamic ? maxGenBatches : 0)
        if let exchange { return try await runExchanging(steps: steps, machine: &machine, exchange: exchange) }
        for try await batch in input {
            if try await feed(batch, to: &machine, steps: steps) { return }
        }
        throw PipelineStageError(stage: "filter", message: "the sampler stopped before step \(machine.step + 1) was complete")
    }

    /// Data-parallel: this rank's batches are put in (step, index) order here, and each is exchanged for the
    /// whole batch (every rank's groups) before the assembler sees it (GroupExchange).
    private func runExchanging(steps: Range<Int>, machine: inout StepAssembler<ScoredGroup, Info>,
                               exchange: GroupExchange) async throws {
        struct Key: Hashable { var step: Int, index: Int }
        var waiting: [Key: ScoredBatch] = [:]
        for try await batch in input where batch.step >= machine.step {
            waiting[Key(step: batch.step, index: batch.index)] = batch
            while let next = waiting.removeValue(forKey: Key(step: machine.step, index: machine.nextIndex)) {
                if try await feed(try await exchange.global(next), to: &machine, steps: steps) { return }
                waiting = waiting.filter { $0.key.step >= machine.step }
            }
        }
        throw PipelineStageError(stage: "filter", message: "the sampler stopped before step \(machine.step + 1) was complete")
    }

    /// Feeds one scored batch to the assembler and sends the steps it completes; true once the last step is sent.
    private func feed(_ batch: ScoredBatch, to machine: inout StepAssembler<ScoredGroup, Info>, steps: Range<Int>) async throws -> Bool {
        let kept = batch.groups.map { !dynamic || DynamicGroupFilter.keeps($0.accuracies) }
        let info = Info(index: batch.index, cursorAfter: batch.cursorAfter, sampleSeconds: batch.sampleSeconds,
                        verifySeconds: batch.verifySeconds)
        for action in machine.receive(AssemblerBatch(step: batch.step, index: batch.index, groups: batch.groups,
                                                     kept: kept, payload: info)) {
            switch action {
            case .complete(let step, let groups, let used, let sampled, let keptGroups):
                let last = used[used.count - 1]
                boundaries.record(step: step, lastIndex: last.index, cursor: last.cursorAfter)
                try await output.send(StepBatch(step: step, version: groups.first?.version ?? 0, groups: groups,
                                                cursor: last.cursorAfter, generationBatches: used.count,
                                                groupsSampled: sampled, groupsKept: keptGroups,
                                                sampleSeconds: used.reduce(0) { $0 + $1.sampleSeconds },
                                                verifySeconds: used.reduce(0) { $0 + $1.verifySeconds }))
                if step + 1 == steps.upperBound {
                    output.finish()
                    return true
                }
            case .exhausted(let step, let tried, let keptCount):
                let reason = DynamicSamplingError(tried: tried, kept: keptCount, target: target)
                throw PipelineStageError(stage: "dynamic sampling", message: "step \(step + 1): \(reason)")
            }
        }
        return false
    }
}

/// A stage ended in a way the pipeline cannot continue from.
public struct PipelineStageError: Error, CustomStringConvertible, Sendable {
    public var stage: String
    public var message: String
    public var description: String { "\(stage): \(message)" }
}
