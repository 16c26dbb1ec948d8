// Scoring one response for RL: the verifier's verdict and reward, plus the filters of docs/ALGORITHMS.md §5 —
// the overlong shaping term (added to R before advantages are normalised), the truncation flag and
// optional loss mask, and the repetition metric with its optional penalty or incorrect verdict.

import DispoSupport

public struct ScoringConfig: Codable, Sendable, Equatable {
    /// The verifier's values, or reward components (RewardComponents.swift).
    public var reward: RewardSelection
    /// Overlong shaping; nil = off (truncation is then never flagged).
    public var overlong: OverlongConfig?
    public var repetition: RepetitionConfig

    public init(reward: RewardConfig = RewardConfig(), overlong: OverlongConfig? = nil,
                repetition: RepetitionConfig = RepetitionConfig()) {
        self.reward = RewardSelection(values: reward)
        self.overlong = overlong
        self.repetition = repetition
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reward = try c.decodeIfPresent(RewardSelection.self, forKey: .reward) ?? RewardSelection()
        overlong = try c.decodeIfPresent(OverlongConfig.self, forKey: .overlong)
        repetition = try c.decodeIfPresent(RepetitionConfig.self, forKey: .repetition) ?? RepetitionConfig()
    }

    /// Validates every part; errors name the field as `$.overlong.buffer`.
    public func validate(file: String = "config") throws {
        func nested(_ key: String, _ body: () throws -> Void) throws {
            do { try body() } catch var error as InputError {
                error.place = error.place.map { "$.\(key)" + $0.dropFirst() }
                throw error
            }
        }
        try nested("reward") { try reward.validate(file: file) }
        try nested("overlong") { try overlong?.validate(file: file) }
        try nested("repetition") { try repetition.validate(file: file) }
    }
}

public struct ResponseScore: Sendable, Equatable {
    public var verdict: Verdict
    /// The verdict's reward plus shaping and penalties: the R that advantages are computed from.
    public var reward: Double
    public var overlongPenalty: Double
    public var repetitionPenalty: Double
    public var truncated: Bool
    /// Leave this response out of the loss (truncated with `mask_truncated`).
    public var maskedFromLoss: Bool
    public var repetition: RepetitionReport
}

public struct ResponseScorer: Sendable {
    public let config: ScoringConfig
    let detector: RepetitionDetector

    public init(config: ScoringConfig = ScoringConfig()) {
        self.config = config
        detector = RepetitionDetector(config: config.repetition)
    }

    /// Scores a response. `length` is its token count (defaults to `tokens.count`, else 0);
    /// `endedWithEOS` tells whether generation stopped on an end-of-sequence token.
    public func score(response: String, gold: String, tokens: [TokenID]? = nil, length: Int? = nil,
                      endedWithEOS: Bool = true) -> ResponseScore {
        var verdict = MathVerifier.grade(response: response, gold: gold)
        let repetition = detector.check(text: response, tokens: tokens)
        var repetitionPenalty = 0.0
        if repetition.isRepetitive {
            switch config.repetition.action {
            case .metric: break
            case .penalty: repetitionPenalty = config.repetition.penalty
            case .incorrect where verdict.correct:
                verdict.correct = false
                verdict.reason = "repetitive"
            case .incorrect: break
            }
        }
        let n = length ?? tokens?.count ?? 0
        let overlongPenalty = config.overlong?.penalty(length: n) ?? 0
        let truncated = config.overlong?.isTruncated(length: n, endedWithEOS: endedWithEOS) ?? false
        let reward = config.reward.values.reward(for: verdict) + overlongPenalty + repetitionPenalty
        return ResponseScore(verdict: verdict, reward: reward, overlongPenalty: overlongPenalty,
                             repetitionPenalty: repetitionPenalty, truncated: truncated,
                             maskedFromLoss: truncated && (config.overlong?.maskTruncated ?? false),
                             repetition: repetition)
    }
}
