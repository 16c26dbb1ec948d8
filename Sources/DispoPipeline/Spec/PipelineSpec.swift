// A pipeline: one JSON file that defines a run. Every key, its meaning, unit and default is documented in
// Pipelines/README.md; this file is the source of those defaults. Reading is strict (StrictJSONDecoder:
// unknown keys, wrong types), then `validate()` checks ranges and cross-field rules and that the files it
// names exist, before any work starts. Each error names the file, the JSON path and what is allowed.


import DispoEngine
import DispoLearner
import DispoLosses
import DispoSupport
import DispoVerifier
import Foundation

public struct PipelineSpec: Codable, Sendable, Equatable {
    public var name: String
    public var seed: UInt64
    /// Where the run writes; default `runs/<name>`.
    public var runDir: String
    public var model: ModelSection
    /// Tokenizer path; default: the model directory.
    public var tokenizer: String?
    public var data: DataSection
    public var sft: SFTSection?
    public var algorithm: AlgorithmSection
    public var rollout: RolloutSection
    public var train: TrainSection
    public var optimizer: OptimizerSection
    public var scoring: ScoringConfig
    public var dynamicSampling: DynamicSamplingConfig
    public var eval: EvalSection
    public var checkpoint: CheckpointSection
    public var channels: ChannelSection
    public var threads: ThreadSection
    /// Extra outputs (absent = the defaults: TensorBoard files on).
    public var logging: LoggingSection?

    enum CodingKeys: String, CodingKey {
        case name, seed, runDir = "run_dir", model, tokenizer, data, sft, algorithm, rollout, train, optimizer, scoring
        case dynamicSampling = "dynamic_sampling", eval, checkpoint, channels, threads, logging
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "run"
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
        runDir = try c.decodeIfPresent(String.self, forKey: .runDir) ?? "runs/\(name)"
        model = try c.decode(ModelSection.self, forKey: .model)
        tokenizer = try c.decodeIfPresent(String.self, forKey: .tokenizer)
        data = try c.decode(DataSection.self, forKey: .data)
        sft = try c.decodeIfPresent(SFTSection.self, forKey: .sft)
        algorithm = try c.decodeIfPresent(AlgorithmSection.self, forKey: .algorithm) ?? AlgorithmSection()
        rollout = try c.decodeIfPresent(RolloutSection.self, forKey: .rollout) ?? RolloutSection()
        train = try c.decodeIfPresent(TrainSection.self, forKey: .train) ?? TrainSection()
        optimizer = try c.decodeIfPresent(OptimizerSection.self, forKey: .optimizer) ?? OptimizerSection()
        scoring = try c.decodeIfPresent(ScoringConfig.self, forKey: .scoring) ?? ScoringConfig()
        dynamicSampling = try c.decodeIfPresent(DynamicSamplingConfig.self, forKey: .dynamicSampling) ?? DynamicSamplingConfig()
        eval = try c.decodeIfPresent(EvalSection.self, forKey: .eval) ?? EvalSection()
        checkpoint = try c.decodeIfPresent(CheckpointSection.self, forKey: .checkpoint) ?? CheckpointSection()
        channels = try c.decodeIfPresent(ChannelSection.self, forKey: .channels) ?? ChannelSection()
        threads = try c.decodeIfPresent(ThreadSection.self, forKey: .threads) ?? ThreadSection()
        logging = try c.decodeIfPresent(LoggingSection.self, forKey: .logging)
    }

    /// Reads `path`, applies `--set path=value` overrides, decodes strictly and validates.
    /// Relative paths inside the spec are taken relative to the current directory.
    public static func load(_ path: String, overrides: [String] = [], checkFiles: Bool = true) throws -> PipelineSpec {
        var root = try JSONParser.parse(contentsOf: path)
        for override in overrides { root = try SpecOverride.apply(override, to: root, file: path) }
        var spec = try StrictJSONDecoder().decode(PipelineSpec.self, from: root, file: path)
        if root.member("name") == nil {
            spec.name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            if root.member("run_dir") == nil { spec.runDir = "runs/\(spec.name)" }
        }
        try spec.validate(file: path, checkFiles: checkFiles)
        return spec
    }
}

extension JSONNodeValue {
    /// The member `key` of an object value.
    func member(_ key: String) -> JSONNodeValue? {
        guard case .object(let members) = value else { return nil }
        return members.first(where: { $0.key == key })?.value
    }
}

extension PipelineSpec {
    /// Whether the run writes TensorBoard event files (`logging.tensorboard`, default true).
    public var writesTensorBoard: Bool { logging?.tensorboard ?? true }
    /// `train.stop_on_collapse`, default false.
    public var stopsOnCollapse: Bool { train.stopOnCollapse ?? false }
    /// `train.collapse`, or the default thresholds.
    public var collapseConfig: CollapseConfig { train.collapse ?? CollapseConfig() }

    /// The learner of this spec: what the run trains with, and what `dispo learn --run` replays with.
    public func learnerConfig() -> LearnerConfig {
        let objective = algorithm.objective(maxNewTokens: rollout.maxNewTokens)
        let updates = train.steps * train.miniBatches
        return LearnerConfig(objective: objective, normByStd: algorithm.normByStd, miniBatches: train.miniBatches,
                             microBatchSize: train.microBatchSize, temperature: rollout.temperature,
                             aggregationConstant: algorithm.aggregationConstant ?? Double(rollout.maxNewTokens),
                             optimizer: optimizer.config(totalUpdates: updates))
    }
}
