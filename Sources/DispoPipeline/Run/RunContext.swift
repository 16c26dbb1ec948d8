// Everything a run needs, built from its spec: tokenizer, models, shard sets, configs, the run directory.

import DispoEngine
import DispoLosses
import DispoShards
import DispoSupport
import DispoTokenizers
import DispoVerifier
import Foundation

public final class RunContext: @unchecked Sendable {
    public let spec: PipelineSpec
    /// The spec as written to the run directory (canonical JSON) and its hash.
    public let specJSON: String
    public let specHash: String
    public let runDir: String
    public let tokenizer: any Tokenizer
    public let tokenizerFiles: [String]
    public let train: ShardSet
    public let evalProblems: [Problem]
    public let learnerModel: Transformer
    public let samplerModel: Transformer
    /// Evaluation's own copy of the weights: the sampler stage may be generating with `samplerModel` at
    /// the same time.
    public private(set) lazy var evalModel = Transformer(config: learnerModel.config)
    public let stopTokens: Set<Int32>
    public let samplingParameters: SamplingParameters
    public let scorer: ResponseScorer
    /// The longest prompt among the training and evaluation problems.
    public let maxPromptTokens: Int

    public init(spec: PipelineSpec, runDir: String? = nil) throws {
        self.spec = spec
        specJSON = try Self.canonicalJSON(spec)
        specHash = XXH64.hex(XXH64.hash(Array(specJSON.utf8)))
        self.runDir = runDir ?? spec.runDir
        let tokenizerPath = spec.tokenizer ?? spec.model.path!
        tokenizer = try TokenizerLoader.load(tokenizerPath)
        tokenizerFiles = Self.tokenizerFiles(tokenizerPath)
        train = try ShardSet(directory: spec.data.train)
        evalProblems = try spec.data.eval.map { try Problem.load(ShardSet(directory: $0), limit: spec.data.evalLimit) } ?? []
        learnerModel = try Self.makeModel(spec)
        samplerModel = Transformer(config: learnerModel.config)
        guard tokenizer.vocabularySize <= learnerModel.config.vocabSize else {
            throw InputError(file: tokenizerPath, expected: "a vocabulary of at most the model's \(learnerModel.config.vocabSize) tokens",
                             found: "\(tokenizer.vocabularySize) tokens")
        }
        var stops = Set(learnerModel.config.eosTokenIDs.map { Int32($0) })
        if let eos = tokenizer.eosTokenID { stops.insert(eos) }
        stopTokens = stops
        let r = spec.rollout
        samplingParameters = SamplingParameters(temperature: r.temperature, topP: r.topP, topK: r.topK,
                                                maxNewTokens: r.maxNewTokens, stopTokens: stops)
        scorer = ResponseScorer(config: spec.scoring)
        var longest = evalProblems.map(\.prompt.count).max() ?? 0
        let trainSet = train
        try trainSet.scan { index, record in
            longest = max(longest, try Problem(record: record, index: index, set: trainSet.directory).prompt.count)
        }
        maxPromptTokens = longest
    }

    /// The spec as JSON with sorted keys (what spec.json holds and the hash covers).
    public static func canonicalJSON(_ spec: PipelineSpec) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(spec), as: UTF8.self)
    }

    public static func specHash(_ spec: PipelineSpec) throws -> String {
        XXH64.hex(XXH64.hash(Array(try canonicalJSON(spec).utf8)))
    }

    static func makeModel(_ spec: PipelineSpec) throws -> Transformer {
        if let path = spec.model.path { return try Transformer.load(directory: path) }
        let model = Transformer(config: try ModelConfig.load(path: spec.model.config!))
        model.initializeRandom(seed: spec.model.initSeed)
        return model
    }

    /// Tokenizer files to copy into model directories (checkpoints, final/).
    static func tokenizerFiles(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        if !isDirectory.boolValue { return [path] }
        return LearnJob.companionFiles.map { path + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// A generator whose cache holds the longest prompt of the run plus max_new_tokens.
    public func newGenerator(_ model: Transformer, slots: Int) -> Generator {
        Generator(model: model, slots: slots, capacity: maxPromptTokens + spec.rollout.maxNewTokens)
    }

    public func learnerConfig() -> LearnerConfig {
        let objective = spec.algorithm.objective(maxNewTokens: spec.rollout.maxNewTokens)
        let updates = spec.train.steps * spec.train.miniBatches
        return LearnerConfig(objective: objective, normByStd: spec.algorithm.normByStd, miniBatches: spec.train.miniBatches,
                             microBatchSize: spec.train.microBatchSize, temperature: spec.rollout.temperature,
                             aggregationConstant: spec.algorithm.aggregationConstant ?? Double(spec.rollout.maxNewTokens),
                             maskTruncated: spec.scoring.overlong?.maskTruncated ?? false,
                             optimizer: spec.optimizer.config(totalUpdates: updates))
    }
}
