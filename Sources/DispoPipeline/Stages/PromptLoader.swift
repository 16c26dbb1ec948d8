// The prompt loader: the one owner of the prompt cursor. It draws problems in the cursor's deterministic
// shuffled order (epoch after epoch) and sends them as generation batches of `gen_batch_prompts` prompts:
//
// - without dynamic sampling a step needs exactly `prompts_per_step` prompts, so the loader draws them (the
//   last batch of a step may be smaller) and goes straight on to the next step — as far ahead as the
//   `prompts` channel and the policy versions let the sampler go;
// - with dynamic sampling it cannot know how many batches a step needs: it keeps drawing batches for the step
//   (speculatively, up to the channel's capacity and `max_gen_batches`) until the filter records where the
//   step ended, then goes back to the cursor after the step's last batch for the next step. Prompts of
//   discarded speculative batches are drawn again for the next step.
// In a data-parallel run every rank's loader draws the same batches; each marks the share its rank samples.

import DispoChannels
import DispoShards
import DispoSupport

struct PromptLoader: Sendable {
    let train: ShardSet
    let vocabularySize: Int
    let promptsPerStep: Int
    let perBatch: Int
    let dynamic: Bool
    let maxGenBatches: Int
    let output: BoundedChannel<PromptBatch>
    let boundaries: StepBoundaries
    /// Which prompts of each batch this rank samples (every rank draws the same batches).
    var share = RankShare.whole

    /// Sends the batches of steps `steps`, starting at `cursor`; finishes the channel after the last.
    func run(steps: Range<Int>, cursor start: ShardCursor) async throws {
        var cursor = start
        for step in steps {
            if dynamic {
                var index = 0
                while boundaries.end(ifRecorded: step) == nil, maxGenBatches == 0 || index < maxGenBatches {
                    try await send(step: step, index: index, count: perBatch, cursor: &cursor)
                    index += 1
                }
                cursor = try await boundaries.end(of: step).cursor
            } else {
                var remaining = promptsPerStep, index = 0
                while remaining > 0 {
                    let n = min(perBatch, remaining)
                    try await send(step: step, index: index, count: n, cursor: &cursor)
                    remaining -= n
                    index += 1
                }
            }
        }
        output.finish()
    }

    private func send(step: Int, index: Int, count: Int, cursor: inout ShardCursor) async throws {
        var problems: [Problem] = []
        problems.reserveCapacity(count)
        for _ in 0..<count {
            let (i, record) = try train.next(&cursor)
            problems.append(try Problem(record: record, index: i, set: train.directory, vocabularySize: vocabularySize))
        }
        try await output.send(PromptBatch(step: step, index: index, problems: problems, cursorAfter: cursor,
                                          share: share.range(of: problems.count)))
    }
}
