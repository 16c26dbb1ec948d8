// Policy versions published by the learner and read by the sampler: version v is the weights after v
// learner steps (version 0 = the initial weights). The sampler of step s waits for version
// max(0, s − max_staleness), so which weights sample which step is fixed by the spec, not by timing.

public actor PolicyStore {
    private var versions: [Int: [Float]] = [:]
    private var waiters: [Int: [CheckedContinuation<[Float], Never>]] = [:]
    public private(set) var latest = -1

    public init() {}

    public func publish(_ version: Int, weights: [Float]) {
        versions[version] = weights
        latest = max(latest, version)
        for w in waiters.removeValue(forKey: version) ?? [] { w.resume(returning: weights) }
    }

    /// The weights of `version`, waiting until they are published.
    public func weights(_ version: Int) async -> [Float] {
        if let w = versions[version] { return w }
        return await withCheckedContinuation { waiters[version, default: []].append($0) }
    }

    /// Forgets versions below `version` (nobody will ask for them again).
    public func discard(below version: Int) {
        for v in versions.keys where v < version { versions[v] = nil }
    }

    /// Published versions at or above `version` (what a checkpoint must keep).
    public func retained(from version: Int) -> [Int: [Float]] {
        versions.filter { $0.key >= version }
    }
}
