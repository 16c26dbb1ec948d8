// An adaptive clipping schedule for DISPO (beyond the paper; its open question of how to set the four ε):
// after each learner step, each controlled regime's ε moves toward the value at which that regime clips a
// target share of its own tokens (`dispo/clip_share_*`, docs/METRICS.md):
//
//     ε ← clamp(ε · ((s + δ) / (s* + δ))^η, ε_min, ε_max)      s = the step's clip share, s* = the target
//
// More clipping than the target widens the bound (ε grows), less tightens it. The update is multiplicative
// (scale-free: ε⁺_high = 0.28 and ε⁻_high = 4 move by the same factor for the same miss), δ = 1e-3 keeps a
// share of 0 finite, ε_max is 1 on the low side (the weight stays ≥ 0) and `max_eps_high` on the high side.
// A regime whose tokens were absent from the step (`dispo/regime_share_*` = 0) keeps its ε; a regime
// without a target is not controlled. Plain arithmetic on the step's metrics: deterministic, and its whole
// state is the four ε, which the run checkpoints, so a resumed run continues bit for bit.
//
// JSON (`algorithm.adaptive_clip` of a pipeline):
//     {"targets": {"pos_high": 0.02, "pos_low": 0.02, "neg_high": 0.02}, "rate": 0.1, "min_eps": 0.01, "max_eps_high": 10}

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
    /// Ceiling of a controlled high-side ε (low-side ε stop at 1).
    public var maxEpsHigh: Float = 10

    public static let shareOffset = 1e-3

    enum CodingKeys: String, CodingKey { case targets, rate, minEps = "min_eps", maxEpsHigh = "max_eps_high" }

    public init(targets: [String: Double], rate: Double = 0.1, minEps: Float = 0.01, maxEpsHigh: Float = 10) {
        self.targets = targets
        self.rate = rate
        self.minEps = minEps
        self.maxEpsHigh = maxEpsHigh
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdaptiveClipConfig(targets: [:])
        self.init(targets: try c.decode([String: Double].self, forKey: .targets),
                  rate: try c.decodeIfPresent(Double.self, forKey: .rate) ?? d.rate,
                  minEps: try c.decodeIfPresent(Float.self, forKey: .minEps) ?? d.minEps,
                  maxEpsHigh: try c.decodeIfPresent(Float.self, forKey: .maxEpsHigh) ?? d.maxEpsHigh)
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
        guard minEps > 0, minEps <= 1 else {
            throw LossInputError(message: "min_eps: expected a number in (0, 1], found \(minEps)")
        }
        guard maxEpsHigh.isFinite, maxEpsHigh >= minEps else {
            throw LossInputError(message: "max_eps_high: expected a number ≥ min_eps (\(minEps)), found \(maxEpsHigh)")
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
            let ceiling = regime.highSide ? config.maxEpsHigh : 1
            let next = Float(Double(epsilons[regime]) * factor)
            epsilons[regime] = min(max(next, config.minEps), ceiling)
        }
    }
}
