// Spec sections: algorithm, rollouts, training steps, optimizer, evaluation, checkpoints, channels, threads.

import DispoEngine
import DispoRollout
import DispoLearner
import DispoLosses
import DispoSupport

public struct AlgorithmSection: Codable, Sendable, Equatable {
    /// Preset: grpo, dapo, cispo, dispo, reinforce.
    public var name: AlgorithmPreset = .dispo
    /// Overrides the preset's loss, e.g. {"kind": "dispo", "eps_neg_high": 2}.
    public var loss: PolicyLoss?
    public var aggregation: AggregationMode?
    /// Constant of seq-mean-token-sum-norm; default rollout.max_new_tokens.
    public var aggregationConstant: Double?
    public var normByStd = true
    public var entropyCoef: Float = 0
    public var klCoef: Float = 0
    public var klEstimator: KLEstimator = .k3
    /// The adaptive clipping schedule of DISPO's ε (none = fixed ε).
    public var adaptiveClip: AdaptiveClipConfig?

    enum CodingKeys: String, CodingKey {
        case name, loss, aggregation, aggregationConstant = "aggregation_constant", normByStd = "norm_by_std"
        case entropyCoef = "entropy_coef", klCoef = "kl_coef", klEstimator = "kl_estimator", adaptiveClip = "adaptive_clip"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(AlgorithmPreset.self, forKey: .name) ?? .dispo
        loss = try c.decodeIfPresent(PolicyLoss.self, forKey: .loss)
        aggregation = try c.decodeIfPresent(AggregationMode.self, forKey: .aggregation)
        aggregationConstant = try c.decodeIfPresent(Double.self, forKey: .aggregationConstant)
        normByStd = try c.decodeIfPresent(Bool.self, forKey: .normByStd) ?? true
        entropyCoef = try c.decodeIfPresent(Float.self, forKey: .entropyCoef) ?? 0
        klCoef = try c.decodeIfPresent(Float.self, forKey: .klCoef) ?? 0
        klEstimator = try c.decodeIfPresent(KLEstimator.self, forKey: .klEstimator) ?? .k3
        adaptiveClip = try c.decodeIfPresent(AdaptiveClipConfig.self, forKey: .adaptiveClip)
    }

    /// The objective this section describes.
    public func objective(maxNewTokens: Int) -> PolicyObjective {
        PolicyObjective(loss: loss ?? name.loss, aggregation: aggregation ?? name.aggregation,
                        regularizers: Regularizers(entropyCoefficient: entropyCoef, klCoefficient: klCoef, klEstimator: klEstimator))
    }
}

public struct RolloutSection: Codable, Sendable, Equatable {
    /// G: responses per prompt.
    public var groupSize = 8
    /// B: groups per learner step.
    public var promptsPerStep = 32
    /// Prompts sampled per generation batch (dynamic sampling draws more batches); default prompts_per_step.
    public var genBatchPrompts: Int?
    public var maxNewTokens = 64
    public var temperature: Float = 1
    public var topP: Float = 1
    public var topK = 0
    /// k: rollouts of step s are sampled with policy version max(0, s − k).
    public var maxStaleness = 1
    /// Where sampling runs: "local" (this process's engine) or a pool of inference servers (docs/SERVING.md).
    public var backend = RolloutBackendConfig.local
    /// The learner recomputes the old log-probs with its own weights at the start of each step instead of using
    /// the sampler's (the sampler's then serve only the trainer–sampler mismatch metrics).
    public var recomputeOldLogprobs = false
    /// What the sampler samples from (absent = `copy`, the exact path).
    public var samplerWeights: SamplerWeights?
    /// `rollout.prefill_precision` as given; nil for absent or "f32", so such specs encode (and fingerprint) as
    /// before the key existed.
    var prefillPrecisionSetting: PrefillPrecision?
    /// Products the local sampler runs prompt tokens through (`Generator.usePrefillPrecision`); decode stays f32.
    public var prefillPrecision: PrefillPrecision { prefillPrecisionSetting ?? .f32 }

    enum CodingKeys: String, CodingKey {
        case groupSize = "group_size", promptsPerStep = "prompts_per_step", genBatchPrompts = "gen_batch_prompts"
        case maxNewTokens = "max_new_tokens", temperature, topP = "top_p", topK = "top_k", maxStaleness = "max_staleness"
        case backend, recomputeOldLogprobs = "recompute_old_logprobs", samplerWeights = "sampler_weights"
        case prefillPrecisionSetting = "prefill_precision"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RolloutSection()
        groupSize = try c.decodeIfPresent(Int.self, forKey: .groupSize) ?? d.groupSize
        promptsPerStep = try c.decodeIfPresent(Int.self, forKey: .promptsPerStep) ?? d.promptsPerStep
        genBatchPrompts = try c.decodeIfPresent(Int.self, forKey: .genBatchPrompts)
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens) ?? d.maxNewTokens
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? d.temperature
        topP = try c.decodeIfPresent(Float.self, forKey: .topP) ?? d.topP
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        maxStaleness = try c.decodeIfPresent(Int.self, forKey: .maxStaleness) ?? d.maxStaleness
        backend = try c.decodeIfPresent(RolloutBackendConfig.self, forKey: .backend) ?? d.backend
        recomputeOldLogprobs = try c.decodeIfPresent(Bool.self, forKey: .recomputeOldLogprobs) ?? d.recomputeOldLogprobs
        samplerWeights = try c.decodeIfPresent(SamplerWeights.self, forKey: .samplerWeights)
        if let text = try c.decodeIfPresent(String.self, forKey: .prefillPrecisionSetting) {
            guard let p = PrefillPrecision(rawValue: text) else {
                throw DecodingError.dataCorruptedError(forKey: .prefillPrecisionSetting, in: c, debugDescription:
                    "one of " + PrefillPrecision.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + " (found \"\(text)\")")
            }
            prefillPrecisionSetting = p == .f32 ? nil : p
        }
    }

    /// The precision of the sampler's packed weights; nil = the sampler's own fp32 model (`copy`).
    public var packedSamplerPrecision: DecodeWeights.Precision? { (samplerWeights ?? .copy).precision }
}

/// Where the sampler's weights come from (`rollout.sampler_weights`; Pipelines/README.md, docs/ENGINE.md).
public enum SamplerWeights: String, Codable, Sendable, CaseIterable {
    /// The sampler's own fp32 model, loaded from an fp32 copy of each policy version the policy store keeps.
    case copy
    /// `DecodeWeights` packed from the learner's parameters whenever a step needs a newer version: no copies of
    /// versions (max_staleness ≤ 1, local sampling).
    case packedF32 = "packed-f32"
    case packedBF16 = "packed-bf16"

    public var precision: DecodeWeights.Precision? {
        switch self {
        case .copy: return nil
        case .packedF32: return .f32
        case .packedBF16: return .bf16
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = SamplerWeights(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "one of " + Self.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ") + " (found \"\(text)\")"))
        }
        self = value
    }
}

public struct TrainSection: Codable, Sendable, Equatable {
    public var steps = 100
    /// K: optimizer updates per step (the step's batch split in order).
    public var miniBatches = 1
    /// Sequences per forward/backward pass (bounds activation memory).
    public var microBatchSize = 64
    /// End the run when it collapses (absent = false: only warn).
    public var stopOnCollapse: Bool?
    /// Collapse detection thresholds (absent = the defaults).
    public var collapse: CollapseConfig?
    /// Recompute each layer's activations in backward (`Transformer.recomputeActivations`): true, false, or
    /// absent / "auto" (nil: only when keeping them would not fit in memory). Same results either way.
    public var recomputeActivations: Bool?

    enum CodingKeys: String, CodingKey {
        case steps, miniBatches = "mini_batches", microBatchSize = "micro_batch_size", stopOnCollapse = "stop_on_collapse"
        case collapse, recomputeActivations = "recompute_activations"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainSection()
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        miniBatches = try c.decodeIfPresent(Int.self, forKey: .miniBatches) ?? d.miniBatches
        microBatchSize = try c.decodeIfPresent(Int.self, forKey: .microBatchSize) ?? d.microBatchSize
        stopOnCollapse = try c.decodeIfPresent(Bool.self, forKey: .stopOnCollapse)
        collapse = try c.decodeIfPresent(CollapseConfig.self, forKey: .collapse)
        if let flag = try? c.decodeIfPresent(Bool.self, forKey: .recomputeActivations) {
            recomputeActivations = flag
        } else if let text = try? c.decodeIfPresent(String.self, forKey: .recomputeActivations), text == "auto" {
            recomputeActivations = nil
        } else if c.contains(.recomputeActivations) {
            throw DecodingError.dataCorruptedError(forKey: .recomputeActivations, in: c, debugDescription: "\"auto\", true or false")
        }
    }
}

public struct OptimizerSection: Codable, Sendable, Equatable {
    public var kind: OptimizerConfig.Kind = .adamw
    public var lr = 1e-5
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var eps = 1e-8
    public var weightDecay = 0.0
    /// Global gradient-norm clip; 0 = off.
    public var gradClip = 1.0
    public var schedule: LearningRateSchedule.Kind = .constant
    public var warmupSteps = 0
    public var minLRRatio = 0.0
    /// A non-finite gradient: stop with an error, or skip that update (counted as actor/nonfinite_skipped).
    public var onNonFinite = NonFinitePolicy.error
    /// Storage of AdamW's moments (absent = f32; bf16 halves them, with stochastic rounding: docs/ENGINE.md).
    public var adamMoments: AdamWConfig.MomentPrecision?

    enum CodingKeys: String, CodingKey {
        case kind, lr, beta1, beta2, eps, weightDecay = "weight_decay", gradClip = "grad_clip", schedule
        case warmupSteps = "warmup_steps", minLRRatio = "min_lr_ratio", onNonFinite = "on_nonfinite"
        case adamMoments = "adam_moments"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = OptimizerSection()
        kind = try c.decodeIfPresent(OptimizerConfig.Kind.self, forKey: .kind) ?? d.kind
        lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? d.lr
        beta1 = try c.decodeIfPresent(Double.self, forKey: .beta1) ?? d.beta1
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? d.beta2
        eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? d.eps
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        gradClip = try c.decodeIfPresent(Double.self, forKey: .gradClip) ?? d.gradClip
        schedule = try c.decodeIfPresent(LearningRateSchedule.Kind.self, forKey: .schedule) ?? d.schedule
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        minLRRatio = try c.decodeIfPresent(Double.self, forKey: .minLRRatio) ?? d.minLRRatio
        onNonFinite = try c.decodeIfPresent(NonFinitePolicy.self, forKey: .onNonFinite) ?? d.onNonFinite
        adamMoments = try c.decodeIfPresent(AdamWConfig.MomentPrecision.self, forKey: .adamMoments)
    }

    /// The optimizer of `steps` learner steps of `miniBatches` updates each.
    public func config(totalUpdates: Int) -> OptimizerConfig {
        OptimizerConfig(kind: kind, schedule: LearningRateSchedule(kind: schedule, peak: lr, warmupSteps: warmupSteps,
                                                                     totalSteps: totalUpdates, minRatio: minLRRatio),
                        adamw: AdamWConfig(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                           momentPrecision: adamMoments ?? .f32),
                        sgdWeightDecay: weightDecay, gradClip: gradClip > 0 ? gradClip : nil, onNonFinite: onNonFinite)
    }
}

public struct EvalSection: Codable, Sendable, Equatable {
    /// Evaluate every this many steps (0 = only before and after).
    public var every = 0
    /// k of mean@k / pass@k / maj@k.
    public var samples = 4
    /// Sampling temperature of evaluation; default rollout.temperature.
    public var temperature: Float?
    /// Also report greedy accuracy.
    public var greedy = true

    enum CodingKeys: String, CodingKey { case every, samples, temperature, greedy }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvalSection()
        every = try c.decodeIfPresent(Int.self, forKey: .every) ?? d.every
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? d.samples
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature)
        greedy = try c.decodeIfPresent(Bool.self, forKey: .greedy) ?? d.greedy
    }
}

public struct CheckpointSection: Codable, Sendable, Equatable {
    /// Write a checkpoint every this many steps (0 = only at the end and on SIGINT/SIGTERM).
    public var every = 10
    /// Keep the newest this many checkpoints.
    public var keep = 2

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        let d = CheckpointSection()
        every = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("every")) ?? d.every
        keep = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("keep")) ?? d.keep
    }
}

/// Capacities of the bounded channels between stages, in elements.
public struct ChannelSection: Codable, Sendable, Equatable {
    public var prompts = 256
    public var groups = 64
    public var batches = 2

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        let d = ChannelSection()
        prompts = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("prompts")) ?? d.prompts
        groups = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("groups")) ?? d.groups
        batches = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("batches")) ?? d.batches
    }
}

/// Threads of the stages. Sampler and learner each run on their own thread with one BLAS thread
/// (`blas`); keep sampler + learner ≤ cores.
public struct ThreadSection: Codable, Sendable, Equatable {
    public var sampler = 1
    public var learner = 1
    public var blas = 1

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        let d = ThreadSection()
        sampler = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("sampler")) ?? d.sampler
        learner = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("learner")) ?? d.learner
        blas = try c.decodeIfPresent(Int.self, forKey: AnyCodingKey("blas")) ?? d.blas
    }
}

/// What the run writes besides metrics.jsonl.
public struct LoggingSection: Codable, Sendable, Equatable {
    /// TensorBoard event files in RUN_DIR/tensorboard.
    public var tensorboard = true

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        tensorboard = try c.decodeIfPresent(Bool.self, forKey: AnyCodingKey("tensorboard")) ?? true
    }
}

public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(_ s: String) { stringValue = s }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }
}
