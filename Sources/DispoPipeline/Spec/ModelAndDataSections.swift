// Spec sections: the model to train, the data, and the optional supervised warm start.

import DispoEngine
import DispoSupport

/// The policy: a Hugging Face model directory, or a fresh random initialisation of a config.
public struct ModelSection: Codable, Sendable, Equatable {
    /// A model directory (config.json + safetensors).
    public var path: String?
    /// A config to initialise randomly: a path to a config.json.
    public var config: String?
    /// Seed of the random initialisation.
    public var initSeed: UInt64

    enum CodingKeys: String, CodingKey { case path, config, initSeed = "init_seed" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(String.self, forKey: .path)
        config = try c.decodeIfPresent(String.self, forKey: .config)
        initSeed = try c.decodeIfPresent(UInt64.self, forKey: .initSeed) ?? 0
    }
}

public struct DataSection: Codable, Sendable, Equatable {
    /// Training prompts: a shard set made by `dispo shard`.
    public var train: String
    /// Held-out prompts for evaluation (a shard set); none = no evaluation.
    public var eval: String?
    /// Evaluate on at most this many held-out problems (0 = all).
    public var evalLimit: Int
    /// With it, `train` and `eval` are dataset files the run shards itself (DataPreparation.swift).
    public var prepare: DataPreparation?

    enum CodingKeys: String, CodingKey { case train, eval, evalLimit = "eval_limit", prepare }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        train = try c.decode(String.self, forKey: .train)
        eval = try c.decodeIfPresent(String.self, forKey: .eval)
        evalLimit = try c.decodeIfPresent(Int.self, forKey: .evalLimit) ?? 0
        prepare = try c.decodeIfPresent(DataPreparation.self, forKey: .prepare)
    }
}

/// Supervised warm start on worked solutions (shards with a loss mask over the response) before RL.
public struct SFTSection: Codable, Sendable, Equatable {
    public var data: String
    public var steps: Int
    public var batchSize: Int
    public var lr: Double
    public var warmupSteps: Int

    enum CodingKeys: String, CodingKey { case data, steps, batchSize = "batch_size", lr, warmupSteps = "warmup_steps" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        data = try c.decode(String.self, forKey: .data)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? 200
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? 64
        lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? 3e-3
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? 10
    }
}
