// `dispo eval`: held-out accuracy of a model directory on a shard set made by `dispo shard`: k sampled
// responses per problem (mean@k, pass@k, maj@k) and optionally one greedy response, through the same
// Evaluator the pipeline uses. With an output path, one JSON line per problem: id, gold answer, prompt,
// and for every sample its text, extracted answer, verdict, reward, token count and finish reason
// (EvalProblemLine, the format a run's eval-<label>.jsonl files share).

import DispoEngine
import DispoLearner
import DispoPipeline
import DispoShards
import DispoSupport
import DispoTokenizers
import DispoVerifier
import Foundation

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

    /// A problem's JSONL line (keys sorted): the format of DispoPipeline's EvalProblemLine.
    public static func line(_ record: EvalRecord, tokenizer: any Tokenizer) throws -> String {
        try EvalProblemLine(record, tokenizer: tokenizer).jsonLine()
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
