// Metrics of a policy update, as sums and counts so that micro-batches and mini-batches merge exactly.
// Names follow what users of verl/TRL expect (ALGORITHMS.md §6).

public struct LossMetrics: Sendable, Equatable {
    public private(set) var sums: [String: Double] = [:]
    public private(set) var counts: [String: Double] = [:]

    public init() {}

    /// Adds `value` to the numerator of `name` and `count` to its denominator.
    public mutating func add(_ name: String, _ value: Double, count: Double = 1) {
        sums[name, default: 0] += value
        counts[name, default: 0] += count
    }

    /// Adds to the total of `name`, reported as a sum (e.g. a loss already scaled by its aggregation).
    public mutating func addTotal(_ name: String, _ value: Double) {
        sums[name, default: 0] += value
        counts[name] = 0
    }

    public mutating func merge(_ other: LossMetrics) {
        for (k, v) in other.sums { sums[k, default: 0] += v }
        for (k, v) in other.counts { counts[k, default: 0] += v }
    }

    /// Mean of each metric (or its total, for metrics kept as totals); 0 where nothing was counted.
    public var values: [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in sums {
            let n = counts[k] ?? 0
            out[k] = n == 0 ? v : v / n
        }
        return out
    }
}
