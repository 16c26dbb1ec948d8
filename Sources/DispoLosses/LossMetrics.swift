// Metrics of a policy update, as sums and counts so that micro-batches and mini-batches merge exactly, and
// as samples for quantiles (concatenated on merge, so the quantiles of merged metrics are those of the
// whole step). Names follow what users of verl/TRL expect; the full list is docs/METRICS.md.

public struct LossMetrics: Sendable, Equatable {
    public private(set) var sums: [String: Double] = [:]
    public private(set) var counts: [String: Double] = [:]
    /// Values whose quantiles are reported (`NAME_p01`, `NAME_p50`, `NAME_p99`).
    public private(set) var samples: [String: [Float]] = [:]

    /// The quantiles reported for each sampled metric, with their name suffixes.
    public static let quantiles: [(suffix: String, q: Double)] = [("p01", 0.01), ("p50", 0.5), ("p99", 0.99)]

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

    /// Adds values to the sample of `name` (nothing is reported for a sample that stays empty).
    public mutating func addSamples(_ name: String, _ values: [Float]) {
        guard !values.isEmpty else { return }
        samples[name, default: []] += values
    }

    public mutating func merge(_ other: LossMetrics) {
        for (k, v) in other.sums { sums[k, default: 0] += v }
        for (k, v) in other.counts { counts[k, default: 0] += v }
        for (k, v) in other.samples { samples[k, default: []] += v }
    }

    /// Mean of each metric (or its total, for metrics kept as totals; 0 where nothing was counted), and the
    /// quantiles of each sample.
    public var values: [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in sums {
            let n = counts[k] ?? 0
            out[k] = n == 0 ? v : v / n
        }
        for (k, v) in samples where !v.isEmpty {
            let sorted = v.sorted()
            for (suffix, q) in Self.quantiles { out[k + "_" + suffix] = Self.quantile(sorted: sorted, q) }
        }
        return out
    }

    /// The q-quantile of sorted values with linear interpolation between closest ranks (numpy's default):
    /// h = (n − 1)·q, value = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).
    public static func quantile(sorted x: [Float], _ q: Double) -> Double {
        precondition(!x.isEmpty, "quantile of no values")
        let h = Double(x.count - 1) * min(max(q, 0), 1)
        let lo = Int(h.rounded(.down))
        guard lo + 1 < x.count else { return Double(x[lo]) }
        return Double(x[lo]) + (h - Double(lo)) * (Double(x[lo + 1]) - Double(x[lo]))
    }
}
