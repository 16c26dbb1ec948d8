// Where each step ended: the filter records it the moment a step is complete, and the stages upstream read
// it — the sampler to skip speculative batches of a finished step, the prompt loader (with dynamic sampling)
// to learn where the next step's prompts start. Reads are synchronous; waits are cancellable and end with the
// pipeline's error when it fails (AwaitableMap).

import DispoChannels
import DispoShards

public final class StepBoundaries: Sendable {
    public struct End: Sendable, Equatable {
        /// Index of the generation batch that completed the step.
        public var lastIndex: Int
        /// The prompt cursor after that batch: where the next step's prompts start.
        public var cursor: ShardCursor
    }

    private let ends = AwaitableMap<Int, End>()

    public init() {}

    /// Records that `step` ended with batch `lastIndex`, the cursor then standing at `cursor`.
    public func record(step: Int, lastIndex: Int, cursor: ShardCursor) {
        ends.set(step, End(lastIndex: lastIndex, cursor: cursor))
    }

    /// The end of `step` if the filter has recorded it.
    public func end(ifRecorded step: Int) -> End? { ends[step] }

    /// Whether batch `index` of `step` was sampled beyond the step's end (the step no longer needs it).
    public func isStale(step: Int, index: Int) -> Bool { ends[step].map { index > $0.lastIndex } ?? false }

    /// The end of `step`, waiting until the filter records it.
    public func end(of step: Int) async throws -> End { try await ends.value(for: step) }

    /// Ends every wait with `error`.
    public func fail(_ error: any Error) { ends.fail(error) }
}
