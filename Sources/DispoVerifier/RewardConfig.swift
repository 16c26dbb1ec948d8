// Reward values for verdicts (docs/ALGORITHMS.md §5): +1 correct, −1 incorrect, and a separate value for a
// format failure (no extractable answer), −1 by default. JSON names are snake_case.

import DispoSupport

public struct RewardConfig: Codable, Sendable, Equatable {
    public var correct: Double
    public var incorrect: Double
    /// Reward when the response states no answer at all.
    public var noAnswer: Double

    enum CodingKeys: String, CodingKey {
        case correct
        case incorrect
        case noAnswer = "no_answer"
    }

    public init(correct: Double = 1, incorrect: Double = -1, noAnswer: Double = -1) {
        self.correct = correct
        self.incorrect = incorrect
        self.noAnswer = noAnswer
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RewardConfig()
        correct = try c.decodeIfPresent(Double.self, forKey: .correct) ?? defaults.correct
        incorrect = try c.decodeIfPresent(Double.self, forKey: .incorrect) ?? defaults.incorrect
        noAnswer = try c.decodeIfPresent(Double.self, forKey: .noAnswer) ?? defaults.noAnswer
    }

    /// Every value must be finite.
    public func validate(file: String = "config") throws {
        for (key, value) in [("correct", correct), ("incorrect", incorrect), ("no_answer", noAnswer)] where !value.isFinite {
            throw InputError(file: file, place: "$.\(key)", expected: "a finite number", found: "\(value)")
        }
    }

    public func reward(for verdict: Verdict) -> Double {
        if verdict.correct { return correct }
        return verdict.isFormatFailure ? noAnswer : incorrect
    }
}
