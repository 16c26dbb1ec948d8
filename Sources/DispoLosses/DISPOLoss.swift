// DISPO: decoupled IS-weight clipping, docs/ALGORITHMS.md §3.
//
//     w = clip(r, 1 − ε⁺_low, 1 + ε⁺_high)   if A > 0   (correct responses)
//         clip(r, 1 − ε⁻_low, 1 + ε⁻_high)   if A < 0   (incorrect responses)
//         r                                   if A = 0   (contributes nothing)
//     L_t = −sg(w) · A · log π_θ(o_t)          ∂L_t/∂log π = −w · A
//
// The four regimes: R1 (A>0, r>1, ε⁺_high), R2 (A>0, r<1, ε⁺_low), R3 (A<0, r>1, ε⁻_high),
// R4 (A<0, r<1, ε⁻_low). `split_by = correctness` picks the bounds by the verdict instead of the sign of A
// (identical without reward shaping). `mask_outside` (ours, off by default) drops tokens with
// (A>0, r>1+ε⁺_high) or (A<0, r<1−ε⁻_low) from the loss instead of clipping their weight.

public struct DISPOConfig: Codable, Sendable, Equatable, TokenLoss {
    public enum SplitBy: String, Codable, Sendable { case advantage, correctness }

    public var epsPosLow: Float = 0.2
    public var epsPosHigh: Float = 0.28
    public var epsNegLow: Float = 1.0
    public var epsNegHigh: Float = 4.0
    public var splitBy: SplitBy = .advantage
    public var maskOutside = false

    enum CodingKeys: String, CodingKey {
        case epsPosLow = "eps_pos_low", epsPosHigh = "eps_pos_high", epsNegLow = "eps_neg_low"
        case epsNegHigh = "eps_neg_high", splitBy = "split_by", maskOutside = "mask_outside"
    }

    public init(epsPosLow: Float = 0.2, epsPosHigh: Float = 0.28, epsNegLow: Float = 1.0, epsNegHigh: Float = 4.0,
                splitBy: SplitBy = .advantage, maskOutside: Bool = false) {
        self.epsPosLow = epsPosLow
        self.epsPosHigh = epsPosHigh
        self.epsNegLow = epsNegLow
        self.epsNegHigh = epsNegHigh
        self.splitBy = splitBy
        self.maskOutside = maskOutside
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DISPOConfig()
        self.init(epsPosLow: try c.decodeIfPresent(Float.self, forKey: .epsPosLow) ?? d.epsPosLow,
                  epsPosHigh: try c.decodeIfPresent(Float.self, forKey: .epsPosHigh) ?? d.epsPosHigh,
                  epsNegLow: try c.decodeIfPresent(Float.self, forKey: .epsNegLow) ?? d.epsNegLow,
                  epsNegHigh: try c.decodeIfPresent(Float.self, forKey: .epsNegHigh) ?? d.epsNegHigh,
                  splitBy: try c.decodeIfPresent(SplitBy.self, forKey: .splitBy) ?? d.splitBy,
                  maskOutside: try c.decodeIfPresent(Bool.self, forKey: .maskOutside) ?? d.maskOutside)
    }

    public func validate() throws {
        try LossConfigCheck.epsilons(["eps_pos_low": epsPosLow, "eps_neg_low": epsNegLow], lowSide: true)
        try LossConfigCheck.epsilons(["eps_pos_high": epsPosHigh, "eps_neg_high": epsNegHigh], lowSide: false)
    }

    public func term(logProb: Float, ratio r: Float, advantage a: Float, correct: Bool?) -> TokenLossTerm {
        let positive: Bool
        switch splitBy {
        case .advantage:
            if a == 0 { return TokenLossTerm(value: 0, gradient: 0, weight: r) }
            positive = a > 0
        case .correctness:
            if a == 0 { return TokenLossTerm(value: 0, gradient: 0, weight: r) }
            positive = correct ?? (a > 0)
        }
        let (w, event) = positive ? clippedWeight(r, low: epsPosLow, high: epsPosHigh)
                                  : clippedWeight(r, low: epsNegLow, high: epsNegHigh)
        if maskOutside, (positive && event == .high) || (!positive && event == .low) {
            return TokenLossTerm(value: 0, gradient: 0, weight: w, clip: [event, .masked])
        }
        return TokenLossTerm(value: -w * a * logProb, gradient: -w * a, weight: w, clip: event)
    }
}
