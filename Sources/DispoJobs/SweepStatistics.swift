// The statistics of `dispo sweep` (docs/STUDY.md, "How the sweep compares arms"):
//
// - Across seeds: mean, standard error of the mean (unbiased std / √n) and n of each per-run statistic.
// - Paired comparison of an arm with the reference arm on the final evaluation's per-problem results, pooled
//   over seeds: each held-out problem's score is the mean over the arm's seeds of its share of correct
//   samples; d(p) = score_arm(p) − score_ref(p) over the problems both evaluated.
//     · paired bootstrap: 10,000 resamples of the problems with replacement (SplitMix64, seed 1, so the numbers
//       are reproducible); 95% percentile interval of mean d; two-sided p = 2·min(P*(mean d ≤ 0), P*(mean d ≥ 0)).
//     · sign test: wins (d > 0) and losses (d < 0), ties dropped; two-sided exact binomial p at 1/2.
//   Both measure how sure the difference is given these trained models (evaluation noise), not the spread from
//   one training seed to another; the per-seed paired difference (seed k of both arms) carries that.

import DispoSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mean ± standard error across runs; encoded as {"mean", "stderr", "n"} (null mean and stderr for n = 0,
/// null stderr for n = 1).
public struct Statistic: Codable, Sendable, Equatable {
    public var mean: Double?
    public var stderr: Double?
    public var n: Int

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        n = finite.count
        guard n > 0 else { mean = nil; stderr = nil; return }
        let m = finite.reduce(0, +) / Double(n)
        mean = m
        stderr = n > 1 ? (finite.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1) / Double(n)).squareRoot() : nil
    }

    enum CodingKeys: String, CodingKey { case mean, stderr, n }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(stderr, forKey: .stderr)
        try c.encode(n, forKey: .n)
    }
}

public struct SignTest: Codable, Sendable, Equatable {
    public var wins: Int
    public var losses: Int
    public var ties: Int
    public var p: Double
}

public struct PairedComparison: Codable, Sendable, Equatable {
    /// Problems both arms evaluated.
    public var problems: Int
    /// Mean over problems of d(p) (mean@k points as a fraction).
    public var delta: Double
    public var bootstrapLow: Double
    public var bootstrapHigh: Double
    public var bootstrapP: Double
    public var signTest: SignTest
    /// Per-seed difference of mean@k after training, over the seeds both arms finished.
    public var perSeed: Statistic

    enum CodingKeys: String, CodingKey {
        case problems, delta, bootstrapLow = "bootstrap_ci95_low", bootstrapHigh = "bootstrap_ci95_high"
        case bootstrapP = "bootstrap_p", signTest = "sign_test", perSeed = "per_seed_delta"
    }
}

public enum SweepStatistics {
    public static let bootstrapResamples = 10_000

    /// Mean of `scores` over runs per problem index (problems missing from a run are left out of that mean).
    public static func pooled(_ perRun: [[Int: Double]]) -> [Int: Double] {
        var sums: [Int: (Double, Int)] = [:]
        for run in perRun { for (p, s) in run { sums[p, default: (0, 0)].0 += s; sums[p, default: (0, 0)].1 += 1 } }
        return sums.mapValues { $0.0 / Double($0.1) }
    }

    /// The paired comparison of per-problem scores `a` against `b` (see the file comment).
    public static func compare(_ a: [Int: Double], _ b: [Int: Double], perSeed: [Double],
                               resamples: Int = bootstrapResamples) -> PairedComparison {
        let shared = Set(a.keys).intersection(b.keys).sorted()
        let d = shared.map { a[$0]! - b[$0]! }
        let delta = d.isEmpty ? 0 : d.reduce(0, +) / Double(d.count)
        let (low, high, p) = bootstrap(d, resamples: resamples)
        return PairedComparison(problems: d.count, delta: delta, bootstrapLow: low, bootstrapHigh: high, bootstrapP: p,
                                signTest: signTest(d), perSeed: Statistic(perSeed))
    }

    /// Percentile 95% interval of the resampled mean and the two-sided p of "mean = 0".
    static func bootstrap(_ d: [Double], resamples: Int) -> (Double, Double, Double) {
        guard !d.isEmpty, resamples > 0 else { return (0, 0, 1) }
        var rng = SplitMix64(seed: 1)
        var means = [Double](repeating: 0, count: resamples)
        for r in 0..<resamples {
            var sum = 0.0
            for _ in 0..<d.count { sum += d[rng.below(d.count)] }
            means[r] = sum / Double(d.count)
        }
        means.sort()
        func at(_ q: Double) -> Double { means[min(resamples - 1, max(0, Int((q * Double(resamples)).rounded(.down))))] }
        let below = Double(means.filter { $0 <= 0 }.count) / Double(resamples)
        let above = Double(means.filter { $0 >= 0 }.count) / Double(resamples)
        return (at(0.025), at(0.975), min(1, 2 * min(below, above)))
    }

    /// Two-sided exact sign test over the nonzero differences.
    public static func signTest(_ d: [Double]) -> SignTest {
        let wins = d.filter { $0 > 0 }.count, losses = d.filter { $0 < 0 }.count
        let n = wins + losses, k = min(wins, losses)
        guard n > 0 else { return SignTest(wins: 0, losses: 0, ties: d.count, p: 1) }
        // P(X ≤ k) for X ~ Binomial(n, 1/2), in log space so that n in the thousands stays finite.
        var tail = 0.0
        for i in 0...k {
            tail += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) - Double(n) * log(2.0))
        }
        return SignTest(wins: wins, losses: losses, ties: d.count - n, p: min(1, 2 * tail))
    }
}
