// REINFORCE with the group baseline, docs/ALGORITHMS.md §3:  L_t = −A · log π_θ(o_t)  (w ≡ 1, no IS weight).

public struct ReinforceConfig: Codable, Sendable, Equatable, TokenLoss {
    public init() {}

    public func term(logProb: Float, ratio r: Float, advantage a: Float, correct: Bool?) -> TokenLossTerm {
        TokenLossTerm(value: -a * logProb, gradient: -a, weight: 1)
    }
}
