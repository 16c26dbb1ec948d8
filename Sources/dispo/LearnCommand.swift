// `dispo learn`: one learner update from recorded rollouts (see DispoPipeline.LearnJob).

import ArgumentParser
import DispoSupport
import Foundation
import DispoEngine
import DispoLosses
import DispoJobs
import DispoLearner
import DispoPipeline
import DispoPlots

struct LearnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learn",
        abstract: "One policy update from recorded rollouts; writes the updated model and the metrics.",
        discussion: """
        Each rollout line: prompt_ids, response_ids, old_logprobs (one per response token), reward, group
        (responses sharing a group share an advantage baseline); optional correct, truncated. The batch is
        split in file order into K mini-batches, one optimizer step each.
        """)

    @Option(help: "Replay a step of this run exactly (with --step): its spec, checkpoint and recorded rollouts.") var run: String?
    @Option(help: "Input model directory (config.json + safetensors).") var model: String?
    @Option(help: "Rollouts: a JSONL file, or a rollout shard set from a run (RUN_DIR/rollouts/steps-…).") var rollouts: String?
    @Option(parsing: .unconditional, help: "The learner step to replay (with --run, or with a rollout shard set).") var step: Int?
    @Option(help: "Output model directory.") var out: String?
    @Option(help: "Algorithm preset: \(AlgorithmPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var algorithm: String = "dispo"
    @Option(parsing: .unconditional, help: "DISPO ε⁺_low.") var epsPosLow: Float?
    @Option(parsing: .unconditional, help: "DISPO ε⁺_high.") var epsPosHigh: Float?
    @Option(parsing: .unconditional, help: "DISPO ε⁻_low.") var epsNegLow: Float?
    @Option(parsing: .unconditional, help: "DISPO ε⁻_high.") var epsNegHigh: Float?
    @Option(parsing: .unconditional, help: "ε_low of cispo, dapo, grpo.") var epsLow: Float?
    @Option(parsing: .unconditional, help: "ε_high of cispo, dapo, grpo.") var epsHigh: Float?
    @Option(help: "Aggregation: \(AggregationMode.allCases.map(\.rawValue).joined(separator: ", ")) (default: the preset's).")
    var agg: String?
    @Flag(help: "Dr.GRPO advantages: do not divide by the group's standard deviation.") var noNormByStd = false
    @Option(help: "Optimizer: adamw or sgd.") var optimizer: String = "adamw"
    @Option(parsing: .unconditional, help: "Learning rate, in (0, 10].") var lr: Double = 1e-6
    @Option(parsing: .unconditional, help: "Weight decay, in [0, 10].") var weightDecay: Double = 0
    @Option(parsing: .unconditional, help: "Global gradient-norm clip (0 = off), in [0, 1e6].") var gradClip: Double = 1.0
    @Option(parsing: .unconditional, help: "Mini-batches K (one optimizer step each); must divide the number of rollouts.") var minibatches: Int = 1
    @Option(parsing: .unconditional, help: "Sequences per forward/backward pass (bounds activation memory), in [1, 1048576].") var microBatch: Int = 16
    @Option(parsing: .unconditional, help: "Temperature of the log-probs (must match the sampler's), in (0, 100].") var temperature: Float = 1
    @OptionGroup var metricsOption: MetricsOption
    @Option(help: "AdamW moment storage: f32 (exact) or bf16 (half the optimizer memory; stochastic rounding).")
    var adamMoments: String = "f32"

    func validate() throws {
        try Flags.check(lr, "--lr", Limits.learningRate, lowerOpen: true)
        try Flags.check(weightDecay, "--weight-decay", 0...10)
        try Flags.check(gradClip, "--grad-clip", 0...1e6)
        try Flags.check(minibatches, "--minibatches", Limits.sequences)
        try Flags.check(microBatch, "--micro-batch", Limits.sequences)
        try Flags.check(temperature, "--temperature", Limits.temperature, lowerOpen: true)
        if let step { try Flags.check(step, "--step", 1...Limits.count.upperBound) }
        for (flag, value) in [("--eps-pos-low", epsPosLow), ("--eps-pos-high", epsPosHigh), ("--eps-neg-low", epsNegLow),
                              ("--eps-neg-high", epsNegHigh), ("--eps-low", epsLow), ("--eps-high", epsHigh)] {
            if let value { try Flags.check(value, flag, 0...1000) }
        }
    }

    func run() async throws {
        if let run {
            try replay(run)
            return
        }
        guard let model, let rollouts, let out else {
            throw ValidationError("give --model, --rollouts and --out (or --run RUN_DIR --step S to replay a run's step)")
        }
        let preset = try AlgorithmPreset.named(algorithm)
        var objective = PolicyObjective(preset: preset)
        objective.loss = try loss(preset.loss)
        if let agg {
            guard let mode = AggregationMode(rawValue: agg) else {
                throw ValidationError("--agg must be one of \(AggregationMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            objective.aggregation = mode
        }
        guard let kind = OptimizerConfig.Kind(rawValue: optimizer) else { throw ValidationError("--optimizer must be adamw or sgd") }
        guard let moments = AdamWConfig.MomentPrecision(rawValue: adamMoments) else {
            throw ValidationError("--adam-moments must be f32 or bf16, got \(adamMoments)")
        }
        let optimizerConfig = OptimizerConfig(kind: kind, schedule: LearningRateSchedule(kind: .constant, peak: lr),
                                              adamw: AdamWConfig(weightDecay: weightDecay, momentPrecision: moments),
                                              sgdWeightDecay: weightDecay,
                                              gradClip: gradClip > 0 ? gradClip : nil)
        let config = LearnerConfig(objective: objective, normByStd: !noNormByStd, miniBatches: minibatches,
                                   microBatchSize: microBatch, temperature: temperature, optimizer: optimizerConfig)
        var job = LearnJob(model: model, rollouts: rollouts, output: out, config: config, metricsPath: metricsOption.metrics)
        job.step = step
        try StandardOutput.line(JSONWriter.metricsLine(try job.run()))
    }

    /// `--run RUN_DIR --step S`: the run's own settings; other learner flags would make it a different update.
    func replay(_ runDir: String) throws {
        guard let step else { throw ValidationError("--run needs --step S (the learner step to replay)") }
        guard model == nil, rollouts == nil else { throw ValidationError("--run takes its model and rollouts from the run: drop --model and --rollouts") }
        let job = ReplayJob(runDir: runDir, step: step, output: out)
        let result = try job.run { StandardError.line($0) }
        let line = JSONWriter.metricsLine(result.metrics)
        if let metrics = metricsOption.metrics { try AtomicFile.write(line + "\n", to: metrics) }
        try StandardOutput.line(line)
        let origin = "replayed from checkpoint step \(result.startedFrom)"
        switch result.matchesRun {
        case true?: StandardError.line("\(origin): weights bit-identical to the run's checkpoint of step \(step)")
        case false?:
            throw ValidationError("\(origin): weights DIFFER from the run's checkpoint of step \(step) (different build or thread settings?)")
        case nil: StandardError.line("\(origin) (the run kept no checkpoint of step \(step) to compare with)")
        }
    }

    /// The preset's loss with the ε flags applied; flags that do not belong to the loss are rejected.
    func loss(_ base: PolicyLoss) throws -> PolicyLoss {
        let dispoFlags = [epsPosLow, epsPosHigh, epsNegLow, epsNegHigh].contains { $0 != nil }
        let pairFlags = epsLow != nil || epsHigh != nil
        var loss = base
        switch base {
        case .dispo(var c):
            guard !pairFlags else { throw ValidationError("dispo takes --eps-pos-*/--eps-neg-*, not --eps-low/--eps-high") }
            c.epsPosLow = epsPosLow ?? c.epsPosLow; c.epsPosHigh = epsPosHigh ?? c.epsPosHigh
            c.epsNegLow = epsNegLow ?? c.epsNegLow; c.epsNegHigh = epsNegHigh ?? c.epsNegHigh
            loss = .dispo(c)
        case .cispo(var c):
            guard !dispoFlags else { throw ValidationError("cispo takes --eps-low/--eps-high") }
            c.epsLow = epsLow ?? c.epsLow; c.epsHigh = epsHigh ?? c.epsHigh
            loss = .cispo(c)
        case .ppoClip(var c):
            guard !dispoFlags else { throw ValidationError("\(algorithm) takes --eps-low/--eps-high") }
            c.epsLow = epsLow ?? c.epsLow; c.epsHigh = epsHigh ?? c.epsHigh
            loss = .ppoClip(c)
        case .reinforce:
            guard !dispoFlags, !pairFlags else { throw ValidationError("reinforce has no ε") }
        }
        try loss.validate()
        return loss
    }
}
