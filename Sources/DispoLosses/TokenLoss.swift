// What every policy loss computes per token, and the clip events the metrics count.

/// One token's contribution before aggregation: L_t and ∂L_t/∂log π_θ(o_t).
public struct TokenLossTerm: Sendable {
    public var value: Float
    public var gradient: Float
    /// The IS weight applied (w for weight-clipped losses, r for PPO-clip).
    public var weight: Float
    public var clip: ClipEvent

    public init(value: Float, gradient: Float, weight: Float, clip: ClipEvent = []) {
        self.value = value
        self.gradient = gradient
        self.weight = weight
        self.clip = clip
    }
}

/// Which clip changed the token's weight (or, for PPO-clip, which branch was taken).
public struct ClipEvent: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// PPO-clip: the clipped surrogate was the larger (`pg_clipfrac`).
    public static let ppoClipped = ClipEvent(rawValue: 1 << 0)
    /// PPO-clip: the dual clip bound the loss of a negative-advantage token (`pg_clipfrac_lower`).
    public static let ppoDualClipped = ClipEvent(rawValue: 1 << 1)
    /// Weight clipped down to 1 + ε_high (positive / negative side for DISPO's regimes).
    public static let high = ClipEvent(rawValue: 1 << 2)
    /// Weight clipped up to 1 − ε_low.
    public static let low = ClipEvent(rawValue: 1 << 3)
    /// DISPO `mask_outside`: the token was removed from the loss.
    public static let masked = ClipEvent(rawValue: 1 << 4)
}

/// A per-token policy loss: given r, A (and the response's verdict), L_t and its gradient.
public protocol TokenLoss: Sendable {
    func term(logProb: Float, ratio: Float, advantage: Float, correct: Bool?) -> TokenLossTerm
}

/// `clip(r, 1 − low, 1 + high)` and which side clipped. Shared by CISPO and DISPO so that DISPO with
/// ε⁺ = ε⁻ computes exactly CISPO's weights.
@inline(__always)
func clippedWeight(_ r: Float, low: Float, high: Float) -> (Float, ClipEvent) {
    let lower = 1 - low, upper = 1 + high
    if r > upper { return (upper, .high) }
    if r < lower { return (lower, .low) }
    return (r, [])
}
