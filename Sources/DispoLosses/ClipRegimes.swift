// DISPO's four regimes — a token's (sign of A, side of 1 its ratio r lies on) — and the clip bounds a
// weight-clipping loss (DISPO, CISPO) applies in each, docs/METRICS.md:
//
//     R1 pos_high  A > 0, r > 1   weight capped at 1 + ε⁺_high
//     R2 pos_low   A > 0, r < 1   weight raised to 1 − ε⁺_low
//     R3 neg_high  A < 0, r > 1   weight capped at 1 + ε⁻_high
//     R4 neg_low   A < 0, r < 1   weight raised to 1 − ε⁻_low
//
// A regime can be unable to clip: r = exp(clamp(log π − log π_old, −20, 20)) lies in [e⁻²⁰, e²⁰], so a low
// bound 1 − ε_low ≤ e⁻²⁰ (ε_low = 1: the bound is 0, and r > 0) or a high bound 1 + ε_high ≥ e²⁰ is never
// crossed. The progress line and the plots say so instead of showing a clip share that could not be otherwise.

public enum ClipRegime: Int, Sendable, CaseIterable {
    case posHigh, posLow, negHigh, negLow

    /// The metric suffix: `pos_high`, `pos_low`, `neg_high`, `neg_low`.
    public var key: String {
        switch self {
        case .posHigh: return "pos_high"
        case .posLow: return "pos_low"
        case .negHigh: return "neg_high"
        case .negLow: return "neg_low"
        }
    }

    /// R1 … R4.
    public var label: String { "R\(rawValue + 1)" }

    public var positive: Bool { self == .posHigh || self == .posLow }
    public var highSide: Bool { self == .posHigh || self == .negHigh }

    /// The ε's JSON-style name in a DISPO config: `eps_pos_high`, ….
    public var epsilonName: String { "eps_" + key }

    /// The regime of a token with advantage `a` and ratio `r`; nil for A = 0 or r = 1 (no regime).
    @inline(__always)
    public static func of(advantage a: Float, ratio r: Float) -> ClipRegime? {
        if a == 0 || r == 1 { return nil }
        if a > 0 { return r > 1 ? .posHigh : .posLow }
        return r > 1 ? .negHigh : .negLow
    }

    /// Whether a weight bound with this ε can ever be crossed by a ratio (see the file comment).
    public func canClip(epsilon: Float) -> Bool {
        let reach = Float(exp(Double(20)))
        if highSide { return 1 + epsilon < reach }
        return 1 - epsilon > 1 / reach
    }

    /// Why it cannot clip, for the progress line and the plots; nil when it can.
    public func cannotClipReason(epsilon: Float) -> String? {
        guard !canClip(epsilon: epsilon) else { return nil }
        return highSide ? "\(epsilonName) = \(epsilon): the bound is above e^20, the largest ratio"
                        : "\(epsilonName) = \(epsilon): the bound is \(1 - epsilon) and r > 0"
    }
}

/// The four ε of the regimes (CISPO: the same pair for both signs).
public struct RegimeEpsilons: Sendable, Equatable, Codable {
    public var posLow: Float
    public var posHigh: Float
    public var negLow: Float
    public var negHigh: Float

    enum CodingKeys: String, CodingKey {
        case posLow = "eps_pos_low", posHigh = "eps_pos_high", negLow = "eps_neg_low", negHigh = "eps_neg_high"
    }

    public init(posLow: Float, posHigh: Float, negLow: Float, negHigh: Float) {
        self.posLow = posLow
        self.posHigh = posHigh
        self.negLow = negLow
        self.negHigh = negHigh
    }

    public subscript(regime: ClipRegime) -> Float {
        get {
            switch regime {
            case .posHigh: return posHigh
            case .posLow: return posLow
            case .negHigh: return negHigh
            case .negLow: return negLow
            }
        }
        set {
            switch regime {
            case .posHigh: posHigh = newValue
            case .posLow: posLow = newValue
            case .negHigh: negHigh = newValue
            case .negLow: negLow = newValue
            }
        }
    }
}

extension PolicyLoss {
    /// The ε of each regime for the weight-clipping losses (DISPO, CISPO); nil for PPO-clip and REINFORCE.
    public var regimeEpsilons: RegimeEpsilons? {
        switch self {
        case .dispo(let c):
            return RegimeEpsilons(posLow: c.epsPosLow, posHigh: c.epsPosHigh, negLow: c.epsNegLow, negHigh: c.epsNegHigh)
        case .cispo(let c):
            return RegimeEpsilons(posLow: c.epsLow, posHigh: c.epsHigh, negLow: c.epsLow, negHigh: c.epsHigh)
        case .ppoClip, .reinforce:
            return nil
        }
    }

    /// DISPO with its four ε replaced (what the adaptive clipping schedule does each step); other losses unchanged.
    public func withRegimeEpsilons(_ eps: RegimeEpsilons) -> PolicyLoss {
        guard case .dispo(var c) = self else { return self }
        c.epsPosLow = eps.posLow
        c.epsPosHigh = eps.posHigh
        c.epsNegLow = eps.negLow
        c.epsNegHigh = eps.negHigh
        return .dispo(c)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
