// An adaptive clipping schedule for DISPO (beyond the paper; its open question of how to set the four ε):
// after each learner step, each controlled regime's bound moves toward the value at which that regime clips
// a target share of its own tokens (`dispo/clip_share_*`, docs/METRICS.md). Ratios live on a log scale, so
// the bounds move multiplicatively:
//
//     f = ((s + δ) / (s* + δ))^η                      s = the step's clip share, s* = the target, δ = 1e-3
//     high side:  1 + ε ← clamp((1 + ε) · f,  1 + ε_min,  1 + max_eps_high)
//     low side:   1 − ε ← clamp((1 − ε) / f,  1 − max_eps_low,  1 − ε_min)
//
// More clipping than the target moves the bound away from 1 (ε grows), less moves it toward 1. δ keeps a share
// of 0 finite; `max_eps_low` < 1 keeps a low bound above 0, so a controlled regime can always clip. A regime
// whose tokens were absent from the step (`dispo/regime_share_*` = 0) keeps its ε; a regime without a target is
// not controlled. Plain arithmetic on the step's metrics: deterministic, and its whole state is the four ε,
// which the run checkpoints, so a resumed run continues bit for bit.
//
// JSON (`algorithm.adaptive_clip` of a pipeline):
//     {"targets": {"pos_high": 0.02, "pos_low": 0.02, "neg_high": 0.02}, "rate": 0.1, "min_eps": 0.01,
//      "max_eps_high": 10, "max_eps_low": 0.99}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct AdaptiveClipConfig: Codable, Sendable, Equatable {
    /// Target clip share per regime key (`pos_high`, `pos_low`, `neg_high`, `neg_low`), each in (0, 1).
    public var targets: [String: Double]
    /// η: the exponent of the update.
    public var rate = 0.1
    /// Floor of every controlled ε (> 0: a multiplicative update cannot leave 0).
    public var minEps: Float = 0.01
    /// Ceiling of a controlled high-side ε.
    public var maxEpsHigh: Float = 10
    /// Ceiling of a controlled low-side ε (< 1: the bound stays above 0).
    public var maxEpsLow: Float = 0.99

    public static let shareOffset = 1e-3

    enum CodingKeys: String, CodingKey {
        case targets, rate, minEps = "min_eps", maxEpsHigh = "max_eps_high", maxEpsLow = "max_eps_low"
    }

    public init(targets: [String: Double], rate: Double = 0.1, minEps: Float = 0.01, maxEpsHigh: Float = 10,
                maxEpsLow: Float = 0.99) {
        self.targets = targets
        self.rate = rate
        self.minEps = minEps
        self.maxEpsHigh = maxEpsHigh
        self.maxEpsLow = maxEpsLow
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdaptiveClipConfig(targets: [:])
        self.init(targets: try c.decode([String: Double].self, forKey: .targets),
                  rate: try c.decodeIfPresent(Double.self, forKey: .rate) ?? d.rate,
                  minEps: try c.decodeIfPresent(Float.self, forKey: .minEps) ?? d.minEps,
                  maxEpsHigh: try c.decodeIfPresent(Float.self, forKey: .maxEpsHigh) ?? d.maxEpsHigh,
                  maxEpsLow: try c.decodeIfPresent(Float.self, forKey: .maxEpsLow) ?? d.maxEpsLow)
    }

    /// The controlled regimes with their targets, in R1…R4 order.
    public var controlled: [(ClipRegime, Double)] {
        ClipRegime.allCases.compactMap { regime in targets[regime.key].map { (regime, $0) } }
    }

    /// Checks keys and ranges; errors name the key (relative to the config) and what is allowed.
    public func validate() throws {
        let known = ClipRegime.allCases.map(\.key)
        for (key, value) in targets.sorted(by: { $0.key < $1.key }) {
            guard known.contains(key) else {
                throw LossInputError(message: "targets.\(key): expected one of \(known.joined(separator: ", "))")
            }
            guard value > 0, value < 1 else {
                throw LossInputError(message: "targets.\(key): expected a clip share in (0, 1), found \(value)")
            }
        }
        guard !targets.isEmpty else { throw LossInputError(message: "targets: expected at least one regime") }
        guard rate > 0, rate <= 1 else { throw LossInputError(message: "rate: expected a number in (0, 1], found \(rate)") }
        guard minEps > 0, minEps < 1 else {
            throw LossInputError(message: "min_eps: expected a number in (0, 1), found \(minEps)")
        }
        guard maxEpsHigh.isFinite, maxEpsHigh >= minEps else {
            throw LossInputError(message: "max_eps_high: expected a number ≥ min_eps (\(minEps)), found \(maxEpsHigh)")
        }
        guard maxEpsLow >= minEps, maxEpsLow < 1 else {
            throw LossInputError(message: "max_eps_low: expected a number in [min_eps, 1), found \(maxEpsLow)")
        }
    }
}

/// The schedule's state: the four ε in use. `observe` applies one step's update.
public struct AdaptiveClipping: Sendable, Equatable {
    public let config: AdaptiveClipConfig
    public private(set) var epsilons: RegimeEpsilons

    public init(config: AdaptiveClipConfig, epsilons: RegimeEpsilons) {
        self.config = config
        self.epsilons = epsilons
    }

    /// Updates each controlled ε from a learner step's metrics (`dispo/clip_share_*`, `dispo/regime_share_*`).
    public mutating func observe(_ metrics: [String: Double]) {
        for (regime, target) in config.controlled {
            guard let share = metrics["dispo/clip_share_" + regime.key], share.isFinite,
                  let present = metrics["dispo/regime_share_" + regime.key], present > 0 else { continue }
            let delta = AdaptiveClipConfig.shareOffset
            let factor = pow((share + delta) / (target + delta), config.rate)
            // The bound's range; the current bound is brought into it first (a configured ε⁻_low = 1 is bound 0).
            let eps = Double(epsilons[regime]), floor = Double(config.minEps)
            let (lo, hi) = regime.highSide ? (1 + floor, 1 + Double(config.maxEpsHigh)) : (1 - Double(config.maxEpsLow), 1 - floor)
            func clamp(_ x: Double) -> Double { min(max(x, lo), hi) }
            if regime.highSide {
                epsilons[regime] = Float(clamp(clamp(1 + eps) * factor) - 1)
            } else {
                epsilons[regime] = Float(1 - clamp(clamp(1 - eps) / factor))
            }
        }
    }
}
