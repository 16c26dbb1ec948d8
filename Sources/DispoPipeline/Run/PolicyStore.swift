// Policy versions published by the learner and read by the sampler: version v is the weights after v
// learner steps (version 0 = the initial weights). The sampler of step s waits for version
// max(0, s − max_staleness), so which weights sample which step is fixed by the spec, not by timing.
// Waits are cancellable and end with the pipeline's error when it fails (AwaitableMap).
//
// Two ways to hold versions (`rollout.sampler_weights`):
// - copies (`copy`, the default): `publish` stores an fp32 copy of each version; the sampler copies the one it
//   needs into its own model; a checkpoint stores the older versions staleness still needs.
// - packed (`packed-f32`, `packed-bf16`): nothing is copied. `announce(v)` says the learner's parameters are
//   version v; the sampler re-packs its DecodeWeights from them and reports `refreshed(v)`; the learner does
//   not change its parameters again (the update producing v + 1) until the sampler has refreshed to v when a
//   later step needs v. So with max_staleness ≤ 1 the two versions a step needs are the learner's parameters
//   and the sampler's packed weights, and a checkpoint saves the latter (`samplerVersion`).

import DispoChannels
import Synchronization

public final class PolicyStore: Sendable {
    private let versions = AwaitableMap<Int, [Float]>()
    /// Packed: versions the learner's parameters have been announced at (the value is unused).
    private let announced = AwaitableMap<Int, Bool>()
    /// Packed: versions the sampler's weights were refreshed to.
    private let refreshedVersions = AwaitableMap<Int, Bool>()
    /// Packed: the version the sampler's weights hold; nil while refreshing (or before the first refresh).
    private let held = Mutex<Int?>(nil)

    public init() {}

    // MARK: copies

    public func publish(_ version: Int, weights: [Float]) { versions.set(version, weights) }

    /// The weights of `version`, waiting until they are published.
    public func weights(_ version: Int) async throws -> [Float] { try await versions.value(for: version) }

    /// Forgets versions below `version` (nobody will ask for them again).
    public func discard(below version: Int) {
        versions.keep { $0 >= version }
        announced.keep { $0 >= version }
        refreshedVersions.keep { $0 >= version }
    }

    /// Published versions at or above `version` (what a checkpoint must keep).
    public func retained(from version: Int) -> [Int: [Float]] { versions.entries { $0 >= version } }

    /// Floats held in fp32 copies of versions (0 with packed sampler weights).
    public var floatsHeld: Int { versions.entries { _ in true }.values.reduce(0) { $0 + $1.count } }

    // MARK: packed

    /// The learner's parameters are now `version` (nothing is copied).
    public func announce(_ version: Int) { announced.set(version, true) }

    /// Waits until the learner's parameters are announced at `version`.
    public func awaitAnnounced(_ version: Int) async throws { _ = try await announced.value(for: version) }

    /// The sampler starts re-packing its weights (they hold no whole version until `refreshed`).
    public func refreshing() { held.withLock { $0 = nil } }

    /// The sampler's weights now hold `version` (refreshed, or restored from a checkpoint).
    public func refreshed(_ version: Int) {
        held.withLock { $0 = version }
        refreshedVersions.set(version, true)
    }

    /// Waits until the sampler's weights were refreshed to `version`.
    public func awaitRefreshed(_ version: Int) async throws { _ = try await refreshedVersions.value(for: version) }

    /// The version the sampler's packed weights hold, nil while refreshing or before the first refresh.
    public var samplerVersion: Int? { held.withLock { $0 } }

    /// Ends every wait for an unpublished version with `error`.
    public func fail(_ error: any Error) {
        versions.fail(error)
        announced.fail(error)
        refreshedVersions.fail(error)
    }
}
