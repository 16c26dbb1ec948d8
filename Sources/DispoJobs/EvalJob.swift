// `dispo eval`: held-out accuracy of a model directory on a shard set made by `dispo shard`: k sampled
// responses per problem (mean@k, pass@k, maj@k) and optionally one greedy response, through the same
// Evaluator the pipeline uses. With an output path, one JSON line per problem: id, gold answer, prompt,
// and for every sample its text, extracted answer, verdict, reward, token count and finish reason.

import DispoEngine
import DispoLearner
import DispoPipeline
import DispoShards
import DispoSupport
import DispoTokenizers
import DispoVerifier
import Foundation

/// One response in the per-problem JSONL.
public struct EvalSampleLine: Codable, Sendable, Equatable {
    public var text: String
    public var extracted: String?
    public var correct: Bool
    public var reason: String
    public var reward: Double
    /// Generated tokens, the stop token included.
    public var tokens: Int
    /// `stop` (a stop token ended it) or `length` (max_new_tokens reached).
    public var finish: String

    enum CodingKeys: String, CodingKey { case text, extracted, correct, reason, reward, tokens, finish }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(extracted, forKey: .extracted)      // null when no answer was found
        try c.encode(correct, forKey: .correct)
        try c.encode(reason, forKey: .reason)
        try c.encode(reward, forKey: .reward)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(finish, forKey: .finish)
    }
}

/// One problem in the per-problem JSONL.
public struct EvalProblemLine: Codable, Sendable, Equatable {
    public var id: String
    /// The record's index in the shard set.
    public var index: Int
    public var answer: String
    public var prompt: String
    /// Correct samples.
    public var correct: Int
    public var samples: [EvalSampleLine]
    public var greedy: EvalSampleLine?
}

public struct EvalJob {
    public var model: String
    public var data: String
    /// Tokenizer path; nil = the model directory.
    public var tokenizer: String?
    public var samples = 4
    public var temperature: Float = 1
    public var topP: Float = 1
    public var topK = 0
    public var maxNewTokens = 512
    /// Evaluate the first `limit` problems (0 = all).
    public var limit = 0
    public var greedy = false
    public var seed: UInt64 = 0
    /// Sequences decoded at once (the KV cache holds slots × (longest prompt + max_new_tokens) positions).
    public var slots = 32
    /// Per-problem JSONL output, if any.
    public var output: String?
    public var scoring = ScoringConfig()

    public init(model: String, data: String) {
        self.model = model
        self.data = data
    }

    /// Loads everything, evaluates, writes the JSONL; `progress(done, total)` after each problem.
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> EvalResult {
        try validate()
        let set = try ShardSet(directory: data)
        guard set.count > 0 else {
            throw InputError(file: data, expected: "at least one problem", found: "an empty shard set")
        }
        let transformer = try Transformer.load(directory: model)
        let tokenizerPath = tokenizer ?? model
        let tok: any Tokenizer
        do {
            tok = try TokenizerLoader.load(tokenizerPath)
        } catch var error as InputError where tokenizer == nil && error.hint == nil {
            error.hint = "the model directory holds no tokenizer: pass --tokenizer PATH"
            throw error
        }
        guard tok.vocabularySize <= transformer.config.vocabSize else {
            throw InputError(file: tokenizerPath, expected: "a vocabulary of at most the model's \(transformer.config.vocabSize) tokens",
                             found: "\(tok.vocabularySize) tokens", hint: "pass the model's own tokenizer with --tokenizer")
        }
        try GenerationBudget.checkTokenizer(of: set, tok, tokenizerPath: tokenizerPath)
        let problems = try Problem.load(set, limit: limit, vocabularySize: transformer.config.vocabSize)
        let parameters = SamplingParameters(temperature: temperature, topP: topP, topK: topK, maxNewTokens: maxNewTokens,
                                            stopTokens: try StopTokens.of(config: transformer.config, modelDirectory: model,
                                                                                    tokenizer: tok, tokenizerPath: tokenizerPath))
        let longest = problems.map(\.prompt.count).max() ?? 0
        let slotCount = min(slots, try Limits.product(problems.count, samples, file: "command line", place: "--n",
                                                         what: "responses (problems × --n)"))
        let capacity = try GenerationBudget.check(transformer.config, longestPrompt: longest, maxNewTokens: maxNewTokens,
                                                  slots: slotCount, flag: "--slots")
        let generator = Generator(model: transformer, slots: slotCount, capacity: capacity)
        let sampler = RolloutSampler(generator: generator, tokenizer: tok, scorer: ResponseScorer(config: scoring),
                                     parameters: parameters, seed: seed)
        let writer = try output.map { try LineFile(path: $0) }
        progress(0, problems.count)
        var done = 0
        let result = try Evaluator(sampler: sampler, samples: samples, greedy: greedy).run(problems) { record in
            if let writer { try writer.line(try Self.line(record, tokenizer: tok)) }
            done += 1
            progress(done, problems.count)
        }
        try writer?.close()
        return result
    }

    func validate() throws {
        let file = "command line"
        try Limits.check(samples, Limits.samples, file: file, place: "--n", what: "samples per problem")
        try Limits.check(maxNewTokens, Limits.newTokens, file: file, place: "--max-new-tokens")
        try Limits.check(slots, Limits.sequences, file: file, place: "--slots")
        try Limits.check(limit, Limits.count, file: file, place: "--limit", what: "0 = all")
        try Limits.check(Double(temperature), Limits.temperature, file: file, place: "--temperature")
        try Limits.check(Double(topP), 0...1, lowerOpen: true, file: file, place: "--top-p")
        try Limits.check(topK, 0...Int(Int32.max), file: file, place: "--top-k", what: "0 = off")
    }

    /// A problem's JSONL line (keys sorted).
    public static func line(_ record: EvalRecord, tokenizer: any Tokenizer) throws -> String {
        func sample(_ r: ScoredResponse) -> EvalSampleLine {
            let body = r.stopped ? Array(r.tokens.dropLast()) : r.tokens
            return EvalSampleLine(text: (try? tokenizer.decode(body, skipSpecialTokens: true)) ?? "",
                                  extracted: r.score.verdict.extracted, correct: r.score.verdict.correct,
                                  reason: r.score.verdict.reason, reward: r.score.reward, tokens: r.tokens.count,
                                  finish: r.stopped ? "stop" : "length")
        }
        let p = record.problem
        let line = EvalProblemLine(id: p.id, index: p.index, answer: p.answer,
                                   prompt: (try? tokenizer.decode(p.prompt, skipSpecialTokens: false)) ?? "",
                                   correct: record.responses.filter { $0.score.verdict.correct }.count,
                                   samples: record.responses.map(sample), greedy: record.greedy.map(sample))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }

    /// The summary line: `mean@4 0.312 ± 0.021  pass@4 0.520  maj@4 0.340  greedy 0.350  (500 problems …)`.
    public static func summary(_ r: EvalResult, seconds: Double) -> String {
        let k = r.samples
        var text = String(format: "mean@%d %.3f ± %.3f  pass@%d %.3f  maj@%d %.3f", k, r.meanAtK, r.standardError, k, r.passAtK,
                          k, r.majAtK)
        if let greedy = r.greedy { text += String(format: "  greedy %.3f", greedy) }
        return text + String(format: "  (%d problems × %d samples, mean length %.1f tokens, %.1fs)", r.problems, k,
                             r.meanResponseLength, seconds)
    }
}
