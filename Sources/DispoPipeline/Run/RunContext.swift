// Everything a run needs, built from its spec: tokenizer, models, shard sets, configs, the run directory.

import DispoEngine
import DispoRewards
import DispoRollout
import DispoLearner
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
    /// The sampler's own fp32 model (`rollout.sampler_weights` "copy"); made on first use, so runs with packed
    /// sampler weights never hold it.
    public private(set) lazy var samplerModel = Transformer(config: learnerModel.config)
    /// The sampler's packed weights (`rollout.sampler_weights` "packed-f32" / "packed-bf16"), refreshed from
    /// the learner's parameters; nil with "copy". A resumed run replaces them with the checkpoint's.
    public internal(set) var samplerWeights: DecodeWeights?
    /// Evaluation's own copy of the weights: the sampler stage may be generating with `samplerModel` at
    /// the same time.
    public private(set) lazy var evalModel = Transformer(config: learnerModel.config)
    public let stopTokens: Set<Int32>
    public let samplingParameters: SamplingParameters
    public let scorer: ResponseScorer
    /// The combined reward when `scoring.reward` names components; nil = the verifier alone.
    public let reward: CombinedReward?
    /// The server pool sampling runs on (`rollout.backend`); nil = this process's engine.
    public let backend: (any RolloutBackend)?
    /// The longest prompt among the training and evaluation problems.
    public let maxPromptTokens: Int

    /// `specFile` names the spec in error messages about its data.
    public init(spec: PipelineSpec, runDir: String? = nil, specFile: String = "pipeline spec") throws {
        self.spec = spec
        specJSON = try Self.canonicalJSON(spec)
        specHash = XXH64.hex(XXH64.hash(Array(specJSON.utf8)))
        self.runDir = runDir ?? spec.runDir
        let tokenizerPath = spec.tokenizer ?? spec.model.path ?? ""
        tokenizer = try TokenizerLoader.load(tokenizerPath)
        tokenizerFiles = CompanionFiles.of(tokenizerPath)
        let config = try ModelConfig.load(path: spec.model.path.map { $0 + "/config.json" } ?? spec.model.config ?? "")
        guard tokenizer.vocabularySize <= config.vocabSize else {
            throw InputError(file: tokenizerPath, expected: "a vocabulary of at most the model's \(config.vocabSize) tokens",
                             found: "\(tokenizer.vocabularySize) tokens")
        }
        let prepared = try PreparedData.resolve(spec, file: specFile, tokenizer: tokenizer, tokenizerPath: tokenizerPath) {
            StandardError.line($0)
        }
        let data = try RunData(spec: prepared, file: specFile, tokenizer: tokenizer.identity, vocabularySize: config.vocabSize,
                               maxPositions: config.maxPositionEmbeddings)
        let learner = try Self.makeModel(spec)
        learner.recomputeActivations = spec.train.recomputeActivations
        learnerModel = learner
        samplerWeights = try spec.rollout.packedSamplerPrecision.map { precision in
            try MemoryBudget.require(floats: DecodeWeights.floats(config: learner.config, precision: precision),
                                     what: "the sampler's \(precision.rawValue) decode weights", file: specFile,
                                     place: "$.rollout.sampler_weights")
            return DecodeWeights(config: learner.config, precision: precision)
        }
        train = data.train
        evalProblems = data.evalProblems
        maxPromptTokens = data.longestPrompt
        let stops = try StopTokens.of(config: learnerModel.config, modelDirectory: spec.model.path, tokenizer: tokenizer,
                                      tokenizerPath: tokenizerPath)
        stopTokens = stops
        let r = spec.rollout
        samplingParameters = SamplingParameters(temperature: r.temperature, topP: r.topP, topK: r.topK,
                                                maxNewTokens: r.maxNewTokens, stopTokens: stops)
        scorer = ResponseScorer(config: spec.scoring)
        reward = spec.scoring.reward.components == nil ? nil : try CombinedReward(spec.scoring.reward)
        let pool = spec.rollout.backend
        backend = pool.kind == .local ? nil
            : try ServerPoolBackend(config: pool, modelConfig: learnerModel.config,
                                    policyRoot: pool.weightSync.dir ?? self.runDir + "/policy")
    }

    /// The spec as JSON with sorted keys (what spec.json holds and the hash covers).
    public static func canonicalJSON(_ spec: PipelineSpec) throws -> String {
        try JSONWriter.encode(spec, pretty: true)
    }

    public static func specHash(_ spec: PipelineSpec) throws -> String {
        XXH64.hex(XXH64.hash(Array(try canonicalJSON(spec).utf8)))
    }

    static func makeModel(_ spec: PipelineSpec) throws -> Transformer {
        if let path = spec.model.path { return try Transformer.load(directory: path) }
        guard let config = spec.model.config else {
            throw InputError(file: "pipeline", place: "$.model", expected: "\"path\" or \"config\"", found: "neither")
        }
        let model = Transformer(config: try ModelConfig.load(path: config))
        model.initializeRandom(seed: spec.model.initSeed)
        return model
    }

    /// A generator whose cache holds the longest prompt of the run plus max_new_tokens.
    public func newGenerator(_ model: Transformer, slots: Int, kernel: DecodeKernel? = nil) -> Generator {
        Generator(model: model, slots: slots, capacity: maxPromptTokens + spec.rollout.maxNewTokens, kernel: kernel)
    }

    /// The sampler's generator: over its packed weights, or over its own model; prompt tokens in
    /// `rollout.prefill_precision`.
    public func samplerGenerator(slots: Int) throws -> Generator {
        let generator = samplerWeights.map {
            Generator(weights: $0, slots: slots, capacity: maxPromptTokens + spec.rollout.maxNewTokens, threads: spec.threads.sampler)
        } ?? newGenerator(samplerModel, slots: slots)
        try generator.usePrefillPrecision(spec.rollout.prefillPrecision)
        return generator
    }

    public func learnerConfig() -> LearnerConfig { spec.learnerConfig() }
}
