// Optional terms of the policy objective, docs/ALGORITHMS.md §3 (all off by default):
//
//     entropy bonus   −β_H · H_t
//     KL to a reference policy, weight β_KL:
//         k1 = log π − log π_ref                                    ∂/∂log π = 1
//         k3 = exp(ref − log π) − (ref − log π) − 1                 ∂/∂log π = 1 − exp(ref − log π)
//     with the input (ref − log π) clamped to ±20 and k3 clamped to ±10 (numeric guards; zero gradient
//     where a clamp is active).

public enum KLEstimator: String, Codable, Sendable, CaseIterable {
    case k1, k3
}

public struct Regularizers: Codable, Sendable, Equatable {
    public var entropyCoefficient: Float = 0
    public var klCoefficient: Float = 0
    public var klEstimator: KLEstimator = .k3

    enum CodingKeys: String, CodingKey {
        case entropyCoefficient = "entropy_coef", klCoefficient = "kl_coef", klEstimator = "kl_estimator"
    }

    public init(entropyCoefficient: Float = 0, klCoefficient: Float = 0, klEstimator: KLEstimator = .k3) {
        self.entropyCoefficient = entropyCoefficient
        self.klCoefficient = klCoefficient
        self.klEstimator = klEstimator
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(entropyCoefficient: try c.decodeIfPresent(Float.self, forKey: .entropyCoefficient) ?? 0,
                  klCoefficient: try c.decodeIfPresent(Float.self, forKey: .klCoefficient) ?? 0,
                  klEstimator: try c.decodeIfPresent(KLEstimator.self, forKey: .klEstimator) ?? .k3)
    }

    /// The KL estimate at one token and its derivative with respect to log π.
    public func kl(logProb: Float, refLogProb: Float) -> (value: Float, gradient: Float) {
        switch klEstimator {
        case .k1:
            return (logProb - refLogProb, 1)
        case .k3:
            let raw = refLogProb - logProb
            let x = min(max(raw, -20), 20)
            let e = expf(x)
            let value = e - x - 1
            if value > 10 { return (10, 0) }
            return (value, raw == x ? 1 - e : 0)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
