// Policy versions published by the learner and read by the sampler: version v is the weights after v
// learner steps (version 0 = the initial weights). The sampler of step s waits for version
// max(0, s − max_staleness), so which weights sample which step is fixed by the spec, not by timing.
// Waits are cancellable and end with the pipeline's error when it fails (AwaitableMap).

import DispoChannels

public final class PolicyStore: Sendable {
    private let versions = AwaitableMap<Int, [Float]>()

    public init() {}

    public func publish(_ version: Int, weights: [Float]) { versions.set(version, weights) }

    /// The weights of `version`, waiting until they are published.
    public func weights(_ version: Int) async throws -> [Float] { try await versions.value(for: version) }

    /// Forgets versions below `version` (nobody will ask for them again).
    public func discard(below version: Int) { versions.keep { $0 >= version } }

    /// Published versions at or above `version` (what a checkpoint must keep).
    public func retained(from version: Int) -> [Int: [Float]] { versions.entries { $0 >= version } }

    /// Ends every wait for an unpublished version with `error`.
    public func fail(_ error: any Error) { versions.fail(error) }
}
