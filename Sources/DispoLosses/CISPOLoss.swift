// CISPO (MiniMax-M1, arXiv:2506.13585), verl semantics, docs/ALGORITHMS.md §3:
//
//     L_t = −sg(clip(r, 1 − ε_low, 1 + ε_high)) · A · log π_θ(o_t)     ∂L_t/∂log π = −w · A
//
// The weight lies in [1 − ε_low, 1 + ε_high] (ε_low = 1, ε_high = 4 gives [0, 5]). TRL's `epsilon_high`
// is an absolute cap instead; convert before comparing.

public struct CISPOConfig: Codable, Sendable, Equatable, TokenLoss {
    public var epsLow: Float = 1.0
    public var epsHigh: Float = 4.0

    enum CodingKeys: String, CodingKey { case epsLow = "eps_low", epsHigh = "eps_high" }

    public init(epsLow: Float = 1.0, epsHigh: Float = 4.0) {
        self.epsLow = epsLow
        self.epsHigh = epsHigh
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(epsLow: try c.decodeIfPresent(Float.self, forKey: .epsLow) ?? 1.0,
                  epsHigh: try c.decodeIfPresent(Float.self, forKey: .epsHigh) ?? 4.0)
    }

    public func validate() throws {
        try LossConfigCheck.epsilons(["eps_low": epsLow], lowSide: true)
        try LossConfigCheck.epsilons(["eps_high": epsHigh], lowSide: false)
    }

    public func term(logProb: Float, ratio r: Float, advantage a: Float, correct: Bool?) -> TokenLossTerm {
        let (w, event) = clippedWeight(r, low: epsLow, high: epsHigh)
        return TokenLossTerm(value: -w * a * logProb, gradient: -w * a, weight: w, clip: event)
    }
}
