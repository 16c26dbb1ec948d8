// The data a run reads, checked before any work starts — by `dispo run` and by `dispo validate` — so that a
// problem with the data is one clear error naming the spec file, the setting and the record, never a
// failure (or a hang) in the middle of a run:
// - the training, evaluation and warm-start sets were sharded with the run's tokenizer (same kind and files);
// - every warm-start record has at least two tokens, all inside the model's vocabulary;
// - the training set is not empty and holds at least `prompts_per_step` problems;
// - every problem has a gold answer, at least one prompt token, tokens inside the model's vocabulary, and
//   fits the model's context with `max_new_tokens` to spare.

import DispoEngine
import DispoShards
import DispoSupport
import DispoTokenizers

public struct RunData: Sendable {
    public let train: ShardSet
    public let evalProblems: [Problem]
    /// The longest prompt among the training and evaluation problems.
    public let longestPrompt: Int

    /// Opens and checks the spec's data. `file` is the spec's path (for error messages).
    public init(spec: PipelineSpec, file: String, tokenizer: TokenizerIdentity, vocabularySize: Int,
                maxPositions: Int) throws {
        func open(_ path: String, _ place: String) throws -> ShardSet {
            let set = try ShardSet(directory: path)
            let made = set.manifest.tokenizer
            guard made.kind == tokenizer.kind, made.hash == tokenizer.hash else {
                throw InputError(file: file, place: place,
                                 expected: "a shard set made with the run's tokenizer \(tokenizer.name) (\(tokenizer.kind), \(tokenizer.hash))",
                                 found: "\"\(path)\" made with \(made.name) (\(made.kind), \(made.hash))",
                                 hint: "shard the dataset again with --tokenizer set to the run's tokenizer")
            }
            return set
        }
        train = try open(spec.data.train, "$.data.train")
        guard train.count >= spec.rollout.promptsPerStep else {
            throw InputError(file: file, place: train.count == 0 ? "$.data.train" : "$.rollout.prompts_per_step",
                             expected: "at least prompts_per_step = \(spec.rollout.promptsPerStep) training problems",
                             found: "\(train.count) in \"\(spec.data.train)\"",
                             hint: train.count == 0 ? "the training set is empty" : "lower rollout.prompts_per_step")
        }
        let limit = maxPositions - spec.rollout.maxNewTokens
        var longest = 0
        func admit(_ problem: Problem, _ set: String) throws {
            guard problem.prompt.count <= limit else {
                throw InputError(file: set, place: "record \(problem.index)",
                                 expected: "a prompt of at most \(max(0, limit)) tokens (max_position_embeddings \(maxPositions) − max_new_tokens \(spec.rollout.maxNewTokens))",
                                 found: "\(problem.prompt.count) tokens", hint: "shard with --max-prompt-tokens, or lower rollout.max_new_tokens")
            }
            longest = max(longest, problem.prompt.count)
        }
        let trainSet = train
        try trainSet.scan { index, record in
            try admit(try Problem(record: record, index: index, set: trainSet.directory, vocabularySize: vocabularySize),
                      trainSet.directory)
        }
        if let path = spec.data.eval {
            let set = try open(path, "$.data.eval")
            guard set.count > 0 else {
                throw InputError(file: file, place: "$.data.eval", expected: "a non-empty evaluation set",
                                 found: "\"\(path)\" holds no problems", hint: "remove data.eval to run without evaluation")
            }
            evalProblems = try Problem.load(set, limit: spec.data.evalLimit, vocabularySize: vocabularySize)
            for p in evalProblems { try admit(p, path) }
        } else {
            evalProblems = []
        }
        longestPrompt = longest
        if let sft = spec.sft { try Self.checkWarmStart(try open(sft.data, "$.sft.data"), steps: sft.steps, file: file,
                                                         vocabularySize: vocabularySize) }
    }

    /// The warm-start set: not empty when there are steps, every record two tokens or more, all in the vocabulary.
    static func checkWarmStart(_ set: ShardSet, steps: Int, file: String, vocabularySize: Int) throws {
        guard set.count > 0 || steps == 0 else {
            throw InputError(file: file, place: "$.sft.data", expected: "a non-empty warm-start set",
                             found: "\"\(set.directory)\" holds no records", hint: "remove sft, or set sft.steps to 0")
        }
        try set.scan { index, record in
            guard record.tokens.count >= 2 else {
                throw InputError(file: set.directory, place: "record \(index)", expected: "a warm-start record of at least 2 tokens",
                                 found: "\(record.tokens.count) tokens", hint: "remove empty records from the dataset and shard it again")
            }
            if let bad = record.tokens.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
                throw InputError(file: set.directory, place: "record \(index)",
                                 expected: "token ids below the model's vocabulary size \(vocabularySize)", found: "token \(bad)",
                                 hint: "the shard set was made with another tokenizer: shard it with the model's")
            }
        }
    }
}

extension RunData {
    /// Loads the spec's tokenizer and model config (not the weights) and checks the data against them: what
    /// `dispo validate` runs after the spec itself is valid.
    public static func check(_ spec: PipelineSpec, file: String) throws -> RunData {
        let tokenizerPath = spec.tokenizer ?? spec.model.path ?? ""
        let tokenizer = try TokenizerLoader.load(tokenizerPath)
        let config = try ModelConfig.load(path: spec.model.path.map { $0 + "/config.json" } ?? spec.model.config ?? "")
        let prepared = try PreparedData.resolve(spec, file: file, tokenizer: tokenizer, tokenizerPath: tokenizerPath) {
            StandardError.line($0)
        }
        return try RunData(spec: prepared, file: file, tokenizer: tokenizer.identity, vocabularySize: config.vocabSize,
                           maxPositions: config.maxPositionEmbeddings)
    }
}
