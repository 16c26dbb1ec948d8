// Held-out accuracy: k sampled responses per problem at the evaluation temperature (mean@k, pass@k, maj@k)
// and optionally one greedy response. Sample keys do not depend on the training step, so evaluations of
// different checkpoints see the same random streams. Used by the pipeline and by `dispo eval`.

import DispoEngine
import DispoLearner
import DispoSupport
import DispoVerifier

public struct EvalResult: Sendable, Equatable {
    public var problems = 0
    public var samples = 0
    /// Mean over problems of the fraction of correct samples.
    public var meanAtK = 0.0
    /// Fraction of problems with at least one correct sample.
    public var passAtK = 0.0
    /// Fraction of problems whose most frequent extracted answer is correct.
    public var majAtK = 0.0
    public var greedy: Double?
    public var meanResponseLength = 0.0
    /// Standard error of mean@k over problems (for "beyond noise" comparisons).
    public var standardError = 0.0

    public var metrics: [String: Double] {
        var m = ["eval/mean@k": meanAtK, "eval/pass@k": passAtK, "eval/maj@k": majAtK, "eval/response_length": meanResponseLength,
                 "eval/mean@k_stderr": standardError]
        if let greedy { m["eval/greedy"] = greedy }
        return m
    }
}

/// One problem's part of an evaluation.
public struct EvalProblemOutcome: Sendable, Equatable {
    /// Fraction of its samples that are correct.
    public var fraction: Double
    /// At least one sample is correct (pass@k).
    public var passed: Bool
    /// The majority answer is correct (maj@k).
    public var majorityCorrect: Bool
    /// Total response tokens of its samples.
    public var lengths: Double
    public var greedyCorrect: Bool

    public init(fraction: Double, passed: Bool, majorityCorrect: Bool, lengths: Double, greedyCorrect: Bool) {
        self.fraction = fraction
        self.passed = passed
        self.majorityCorrect = majorityCorrect
        self.lengths = lengths
        self.greedyCorrect = greedyCorrect
    }
}

public struct EvalRecord: Sendable {
    public var problem: Problem
    public var responses: [ScoredResponse]
    public var greedy: ScoredResponse?
}

public struct Evaluator {
    public let sampler: RolloutSampler
    public let greedySampler: RolloutSampler?
    public let samples: Int

    public init(sampler: RolloutSampler, samples: Int, greedy: Bool) {
        self.sampler = sampler
        self.samples = samples
        greedySampler = greedy ? RolloutSampler(generator: sampler.generator, tokenizer: sampler.tokenizer, scorer: sampler.scorer,
                                                parameters: .greedy(maxNewTokens: sampler.parameters.maxNewTokens,
                                                                    stopTokens: sampler.parameters.stopTokens),
                                                seed: sampler.seed) : nil
    }

    /// Evaluates the generator's current weights on `problems`; `onRecord` sees each problem's responses.
    public func run(_ problems: [Problem], chunk: Int = 64, onRecord: (EvalRecord) throws -> Void = { _ in }) throws -> EvalResult {
        Self.aggregate(try outcomes(problems, chunk: chunk, onRecord: onRecord), samples: samples, greedy: greedySampler != nil)
    }

    /// What each problem contributes to the result, in problem order (a data-parallel run evaluates its
    /// rank's part of the problems and gathers these).
    public func outcomes(_ problems: [Problem], chunk: Int = 64,
                         onRecord: (EvalRecord) throws -> Void = { _ in }) throws -> [EvalProblemOutcome] {
        var out: [EvalProblemOutcome] = []
        for start in stride(from: 0, to: problems.count, by: chunk) {
            let part = Array(problems[start..<min(problems.count, start + chunk)])
            let sampled = try sampler.sample(part, samples: samples, step: UInt64.max)
            let greedy = try greedySampler?.sample(part, samples: 1, step: UInt64.max)
            for (i, problem) in part.enumerated() {
                let responses = sampled[i].map { sampler.score($0, problem: problem) }
                let correct = responses.filter { $0.score.verdict.correct }
                let greedyResponse = greedy?[i].first.map { sampler.score($0, problem: problem) }
                out.append(EvalProblemOutcome(fraction: Double(correct.count) / Double(samples), passed: !correct.isEmpty,
                                              majorityCorrect: Self.majorityIsCorrect(responses),
                                              lengths: responses.reduce(0.0) { $0 + Double($1.tokens.count) },
                                              greedyCorrect: greedyResponse?.score.verdict.correct == true))
                try onRecord(EvalRecord(problem: problem, responses: responses, greedy: greedyResponse))
            }
        }
        return out
    }

    /// The result of all problems' outcomes (in problem order: the sums are taken in that order).
    public static func aggregate(_ outcomes: [EvalProblemOutcome], samples: Int, greedy: Bool) -> EvalResult {
        var result = EvalResult(problems: outcomes.count, samples: samples)
        var lengths = 0.0, greedyCorrect = 0.0
        for o in outcomes {
            if o.passed { result.passAtK += 1 }
            if o.majorityCorrect { result.majAtK += 1 }
            lengths += o.lengths
            if o.greedyCorrect { greedyCorrect += 1 }
        }
        let perProblem = outcomes.map(\.fraction)
        let n = Double(max(1, outcomes.count))
        result.meanAtK = perProblem.reduce(0, +) / n
        result.passAtK /= n
        result.majAtK /= n
        result.meanResponseLength = lengths / (n * Double(samples))
        if greedy { result.greedy = greedyCorrect / n }
        if perProblem.count > 1 {
            let mean = result.meanAtK
            let variance = perProblem.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(perProblem.count - 1)
            result.standardError = (variance / Double(perProblem.count)).squareRoot()
        }
        return result
    }

    /// Majority vote over extracted answers (ties: the first to reach the top count); no answer never wins.
    static func majorityIsCorrect(_ responses: [ScoredResponse]) -> Bool {
        var counts: [String: (count: Int, correct: Bool)] = [:]
        var order: [String] = []
        for r in responses {
            guard let answer = r.score.verdict.extracted?.filter({ !$0.isWhitespace }), !answer.isEmpty else { continue }
            if counts[answer] == nil { order.append(answer) }
            counts[answer, default: (0, r.score.verdict.correct)].count += 1
        }
        guard let best = order.max(by: { (counts[$0]?.count ?? 0) < (counts[$1]?.count ?? 0) }) else { return false }
        return counts[best]?.correct ?? false
    }
}
