// Sampling and scoring groups of responses: G samples per prompt from the engine's generator, each seeded
// by (run seed, step, problem index, sample index), decoded and scored by the verifier and filters.


import DispoEngine
import DispoLearner
import DispoRewards
import DispoSupport
import DispoTokenizers
import DispoVerifier

/// One scored response.
public struct ScoredResponse: Sendable {
    public var tokens: [TokenID]
    public var logProbs: [Float]
    public var stopped: Bool
    public var score: ResponseScore
    /// Reward components by metric name, when `scoring.reward` names components.
    public var components: [String: Double]

    public init(tokens: [TokenID], logProbs: [Float], stopped: Bool, score: ResponseScore, components: [String: Double] = [:]) {
        self.tokens = tokens
        self.logProbs = logProbs
        self.stopped = stopped
        self.score = score
        self.components = components
    }
}

/// G responses to one problem, sampled with one policy version.
public struct ScoredGroup: Sendable {
    public var problem: Problem
    public var version: Int
    public var responses: [ScoredResponse]

    public var accuracies: [Double] { responses.map { $0.score.verdict.correct ? 1 : 0 } }

    /// The learner's view: one rollout per response, keyed by the group's learner step and slot.
    public func rollouts(step: Int, slot: Int) -> [Rollout] {
        responses.map { r in
            Rollout(promptIDs: problem.prompt, responseIDs: r.tokens, oldLogProbs: r.logProbs, reward: r.score.reward,
                    group: .run(step: step, slot: slot), correct: r.score.verdict.correct, truncated: !r.stopped,
                    masked: r.score.maskedFromLoss, version: version)
        }
    }

    /// What the rollout recorder stores for each response.
    public func recorded(step: Int, slot: Int) -> [RecordedRollout] {
        responses.enumerated().map { i, r in
            RecordedRollout(step: step, slot: slot, sample: i, version: version, problemID: problem.id,
                            problemIndex: problem.index, answer: problem.answer, promptTokens: problem.prompt.count,
                            oldLogprobs: r.logProbs, reward: r.score.reward, correct: r.score.verdict.correct,
                            truncated: !r.stopped, masked: r.score.maskedFromLoss, repetitive: r.score.repetition.isRepetitive,
                            extracted: r.score.verdict.extracted, reason: r.score.verdict.reason,
                            finishReason: r.stopped ? "stop" : "length")
        }
    }
}

/// `sample` drives the generator and must run on one thread at a time (the sampler's); `score` touches only
/// the tokenizer and scorer, which are Sendable, and may run from any number of verifier workers.
public struct RolloutSampler: @unchecked Sendable {
    public let generator: Generator
    public let tokenizer: any Tokenizer
    public let scorer: ResponseScorer
    public let parameters: SamplingParameters
    public let seed: UInt64

    public init(generator: Generator, tokenizer: any Tokenizer, scorer: ResponseScorer, parameters: SamplingParameters, seed: UInt64) {
        self.generator = generator
        self.tokenizer = tokenizer
        self.scorer = scorer
        self.parameters = parameters
        self.seed = seed
    }

    /// Samples `samples` responses for each problem (in one batched call) with keys under `step`.
    public func sample(_ problems: [Problem], samples: Int, step: UInt64) throws -> [[GenerationResult]] {
        let requests = problems.flatMap { p in
            (0..<samples).map { GenerationRequest(prompt: p.prompt, key: SampleKey(runSeed: seed, step: step, prompt: UInt64(p.index), sample: UInt64($0))) }
        }
        let results = try generator.generate(requests, parameters: parameters)
        return problems.indices.map { Array(results[($0 * samples)..<(($0 + 1) * samples)]) }
    }

    /// The response's text as the verifier reads it: the tokens before the stop token, special tokens skipped.
    public func text(of result: GenerationResult) -> String {
        let body = result.finishReason == .stop ? Array(result.tokens.dropLast()) : result.tokens
        return (try? tokenizer.decode(body, skipSpecialTokens: true)) ?? ""
    }

    /// Decodes and scores one generation.
    public func score(_ result: GenerationResult, problem: Problem) -> ScoredResponse {
        let stopped = result.finishReason == .stop
        let body = stopped ? Array(result.tokens.dropLast()) : result.tokens
        let text = self.text(of: result)
        var score = scorer.score(response: text, gold: problem.answer, tokens: body, length: result.tokens.count,
                                 endedWithEOS: stopped)
        score.truncated = score.truncated || !stopped
        return ScoredResponse(tokens: result.tokens, logProbs: result.logProbs, stopped: stopped, score: score)
    }

    /// Scores one generation with a combined reward (`scoring.reward` components): the verifier's score, then
    /// the components; `step` (1-based) and `sample` identify the request to plugins.
    public func score(_ result: GenerationResult, problem: Problem, step: Int, sample: Int,
                      reward: CombinedReward) async throws -> ScoredResponse {
        var scored = score(result, problem: problem)
        let prompt = (try? tokenizer.decode(problem.prompt, skipSpecialTokens: false)) ?? ""
        let request = RewardRequest(prompt: prompt, response: text(of: result), answer: problem.answer,
                                    metadata: .init(problemID: problem.id, problemIndex: problem.index, step: step, sample: sample))
        let combined = try await reward.score(RewardInput(request: request, length: result.tokens.count), base: scored.score)
        scored.score.reward = combined.reward
        scored.score.verdict.correct = combined.correct
        scored.components = combined.components
        return scored
    }
}
