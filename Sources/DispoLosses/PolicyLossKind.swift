// The closed set of policy losses, their JSON names, and the presets of docs/ALGORITHMS.md.
//
// JSON: {"kind": "dispo", "eps_pos_low": 0.2, …}. An unknown kind is an error that lists the valid ones.
// Presets (`grpo`, `dapo`, `cispo`, `dispo`, `reinforce`) fix the loss and its aggregation:
//   grpo  = ppo-clip ε 0.2/0.2, dual clip 3, seq-mean-token-mean (as in the GRPO paper)
//   dapo  = ppo-clip ε 0.2/0.28 ("clip-higher"), dual clip 3, token-mean
//   cispo = cispo ε 1.0/4.0 (weight in [0, 5]), token-mean
//   dispo = dispo ε⁺ 0.2/0.28, ε⁻ 1.0/4.0, token-mean
//   reinforce = reinforce, token-mean

public enum PolicyLossKind: String, Codable, Sendable, CaseIterable {
    case dispo, cispo
    case ppoClip = "ppo-clip"
    case reinforce

    public static func named(_ name: String) throws -> PolicyLossKind {
        guard let kind = PolicyLossKind(rawValue: name) else {
            throw LossInputError(message: "unknown policy loss \"\(name)\"; expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }
}

/// A policy loss with its settings.
public enum PolicyLoss: Sendable, Equatable {
    case dispo(DISPOConfig)
    case cispo(CISPOConfig)
    case ppoClip(PPOClipConfig)
    case reinforce(ReinforceConfig)

    public var kind: PolicyLossKind {
        switch self {
        case .dispo: return .dispo
        case .cispo: return .cispo
        case .ppoClip: return .ppoClip
        case .reinforce: return .reinforce
        }
    }

    public var tokenLoss: any TokenLoss {
        switch self {
        case .dispo(let c): return c
        case .cispo(let c): return c
        case .ppoClip(let c): return c
        case .reinforce(let c): return c
        }
    }

    public func validate() throws {
        switch self {
        case .dispo(let c): try c.validate()
        case .cispo(let c): try c.validate()
        case .ppoClip(let c): try c.validate()
        case .reinforce: break
        }
    }
}

extension PolicyLoss: Codable {
    private enum KindKey: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: KindKey.self)
        let kindName = try container.decode(String.self, forKey: .kind)
        guard let kind = PolicyLossKind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription:
                "one of \(PolicyLossKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch kind {
        case .dispo: self = .dispo(try DISPOConfig(from: decoder))
        case .cispo: self = .cispo(try CISPOConfig(from: decoder))
        case .ppoClip: self = .ppoClip(try PPOClipConfig(from: decoder))
        case .reinforce: self = .reinforce(ReinforceConfig())
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: KindKey.self)
        try container.encode(kind.rawValue, forKey: .kind)
        switch self {
        case .dispo(let c): try c.encode(to: encoder)
        case .cispo(let c): try c.encode(to: encoder)
        case .ppoClip(let c): try c.encode(to: encoder)
        case .reinforce: break
        }
    }
}

/// Named algorithm presets: a loss and its aggregation.
public enum AlgorithmPreset: String, Codable, Sendable, CaseIterable {
    case grpo, dapo, cispo, dispo, reinforce

    public var loss: PolicyLoss {
        switch self {
        case .grpo: return .ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.2, dualClip: 3))
        case .dapo: return .ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.28, dualClip: 3))
        case .cispo: return .cispo(CISPOConfig(epsLow: 1.0, epsHigh: 4.0))
        case .dispo: return .dispo(DISPOConfig())
        case .reinforce: return .reinforce(ReinforceConfig())
        }
    }

    public var aggregation: AggregationMode {
        self == .grpo ? .seqMeanTokenMean : .tokenMean
    }

    public static func named(_ name: String) throws -> AlgorithmPreset {
        guard let preset = AlgorithmPreset(rawValue: name) else {
            throw LossInputError(message: "unknown algorithm \"\(name)\"; expected one of: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return preset
    }
}

enum LossConfigCheck {
    /// ε ≥ 0; a low ε is at most 1 (the weight stays ≥ 0).
    static func epsilons(_ values: [String: Float], lowSide: Bool) throws {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard value.isFinite, value >= 0, !lowSide || value <= 1 else {
                throw LossInputError(message: "\(name): expected a value in \(lowSide ? "[0, 1]" : "[0, ∞)"), found \(value)")
            }
        }
    }
}
