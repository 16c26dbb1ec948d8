// `dispo learn`: one learner update from recorded rollouts, offline. Loads a Hugging Face model directory,
// reads rollouts (JSONL, or one step of a run's rollout shards), runs `Learner.update` (K optimizer steps, one per mini-batch, in file order), and
// writes the updated model as a Hugging Face directory (config.json, model.safetensors and the tokenizer
// files found beside the input model) plus the step's metrics as JSON.

import DispoEngine
import DispoLearner
import DispoPipeline
import DispoSupport
import Foundation

public struct LearnJob {
    public var model: String
    public var rollouts: String
    public var output: String
    public var config: LearnerConfig
    public var metricsPath: String?
    /// With a rollout shard set: replay only this learner step.
    public var step: Int?

    public init(model: String, rollouts: String, output: String, config: LearnerConfig, metricsPath: String? = nil) {
        self.model = model
        self.rollouts = rollouts
        self.output = output
        self.config = config
        self.metricsPath = metricsPath
    }

    /// Runs the update; returns the metrics.
    public func run() throws -> [String: Double] {
        let transformer = try Transformer.load(directory: model)
        let batch = try RolloutFile.read(rollouts, vocabularySize: transformer.config.vocabSize, step: step)
        guard batch.count % config.miniBatches == 0 else {
            throw InputError(file: rollouts, place: "--minibatches",
                             expected: "a number of mini-batches that divides the \(batch.count) rollouts (equal mini-batches)",
                             found: "\(config.miniBatches)", hint: "choose one of \(Self.divisors(batch.count))")
        }
        var config = self.config
        if config.objective.aggregation == .seqMeanTokenSumNorm, config.aggregationConstant <= 1 {
            config.aggregationConstant = Double(batch.map(\.responseIDs.count).max() ?? 1)
        }
        let learner = try Learner(model: transformer, config: config)
        var metrics = try learner.update(batch)
        metrics["train/rollouts"] = Double(batch.count)
        metrics["response_length/mean"] = Double(batch.reduce(0) { $0 + $1.responseIDs.count }) / Double(batch.count)
        try FileSystem.createDirectory(output)
        try transformer.save(directory: output)
        try CompanionFiles.copy(CompanionFiles.of(model), into: output)
        if let metricsPath { try AtomicFile.write(JSONWriter.metricsLine(metrics) + "\n", to: metricsPath) }
        return metrics
    }

    /// The divisors of `n` up to 64, for the hint of a --minibatches that does not divide the batch.
    static func divisors(_ n: Int) -> String {
        (1...max(1, min(n, 64))).filter { n % $0 == 0 }.map(String.init).joined(separator: ", ")
    }
}
