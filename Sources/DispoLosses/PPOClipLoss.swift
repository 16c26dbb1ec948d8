// PPO-clip with dual clip (verl `vanilla`), docs/ALGORITHMS.md §3; GRPO and DAPO are its settings:
//
//     l1 = −A·r ;  l2 = −A·clip(r, 1 − ε_low, 1 + ε_high) ;  c1 = max(l1, l2)
//     L_t = c1                  if A ≥ 0
//           min(−A·c, c1)       if A < 0        (dual clip, c = 3; Ye et al. arXiv:1912.09729)
//
// Gradient: ∂L_t/∂log π = −A·r where the unclipped branch l1 is the active one, else 0 (r = exp(log π − log π_old)).

public struct PPOClipConfig: Codable, Sendable, Equatable, TokenLoss {
    public var epsLow: Float = 0.2
    public var epsHigh: Float = 0.2
    /// Dual-clip constant c (> 1).
    public var dualClip: Float = 3.0

    enum CodingKeys: String, CodingKey { case epsLow = "eps_low", epsHigh = "eps_high", dualClip = "dual_clip" }

    public init(epsLow: Float = 0.2, epsHigh: Float = 0.2, dualClip: Float = 3.0) {
        self.epsLow = epsLow
        self.epsHigh = epsHigh
        self.dualClip = dualClip
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epsLow: try c.decodeIfPresent(Float.self, forKey: .epsLow) ?? 0.2,
                  epsHigh: try c.decodeIfPresent(Float.self, forKey: .epsHigh) ?? 0.2,
                  dualClip: try c.decodeIfPresent(Float.self, forKey: .dualClip) ?? 3.0)
    }

    public func validate() throws {
        try LossConfigCheck.epsilons(["eps_low": epsLow], lowSide: true)
        try LossConfigCheck.epsilons(["eps_high": epsHigh], lowSide: false)
        guard dualClip > 1 else {
            throw LossInputError(message: "dual_clip: expected a value above 1, found \(dualClip)")
        }
    }

    public func term(logProb: Float, ratio r: Float, advantage a: Float, correct: Bool?) -> TokenLossTerm {
        let clipped = min(max(r, 1 - epsLow), 1 + epsHigh)
        let l1 = -a * r, l2 = -a * clipped
        var event: ClipEvent = l2 > l1 ? .ppoClipped : []
        var value = max(l1, l2)
        var unclippedActive = l1 >= l2
        if a < 0 {
            let bound = -a * dualClip
            if value > bound {
                value = bound
                unclippedActive = false
                event.insert(.ppoDualClipped)
            }
        }
        return TokenLossTerm(value: value, gradient: unclippedActive ? -a * r : 0, weight: r, clip: event)
    }
}
