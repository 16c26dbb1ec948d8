// The dynamic group filter stage: feeds scored batches to the StepAssembler (the state machine its tests
// exercise), records each step's end for the stages upstream the moment the step is complete, and sends
// the step's batch to the learner. It returns once the last step of the run is sent.

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
        for try await batch in input {
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
                        return
                    }
                case .exhausted(let step, let tried, let keptCount):
                    let reason = DynamicSamplingError(tried: tried, kept: keptCount, target: target)
                    throw PipelineStageError(stage: "dynamic sampling", message: "step \(step + 1): \(reason)")
                }
            }
        }
        throw PipelineStageError(stage: "filter", message: "the sampler stopped before step \(machine.step + 1) was complete")
    }
}

/// A stage ended in a way the pipeline cannot continue from.
public struct PipelineStageError: Error, CustomStringConvertible, Sendable {
    public var stage: String
    public var message: String
    public var description: String { "\(stage): \(message)" }
}
