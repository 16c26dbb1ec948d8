// `dispo learn --run RUN_DIR --step S`: replays learner step S of a run exactly, to study a spike or a
// collapse after the fact. It takes the run's own spec (algorithm, loss, aggregation, mini-batches,
// optimizer and its schedule, thread counts), the newest checkpoint at or before step S − 1 (weights, AdamW
// moments, optimizer step), and the rollouts the run recorded for the steps from there to S, and runs the
// same Learner on them. The learner is deterministic given its inputs, so the weights after the replay are
// bit-identical to the run's after step S; when the run kept a checkpoint of step S the job says whether
// they are.

import DispoEngine
import DispoLearner
import DispoPipeline
import DispoSupport
import Foundation

public struct ReplayJob {
    public var runDir: String
    public var step: Int
    /// Where to write the model after step S (a Hugging Face directory); nil = do not write it.
    public var output: String?

    public init(runDir: String, step: Int, output: String? = nil) {
        self.runDir = runDir
        self.step = step
        self.output = output
    }

    public struct Result: Sendable {
        /// Metrics of step S's update (as the run logged them, without the rollout and timing metrics).
        public var metrics: [String: Double]
        /// The checkpoint the replay started from (steps done).
        public var startedFrom: Int
        /// Whether the weights equal the run's checkpoint of step S, when the run kept one.
        public var matchesRun: Bool?
    }

    public func run(log: (String) -> Void = { _ in }) throws -> Result {
        let spec = try PipelineSpec.load(runDir + "/spec.json", checkFiles: false)
        guard step >= 1, step <= spec.train.steps else {
            throw InputError(file: "command line", place: "--step", expected: "a learner step in [1, \(spec.train.steps)] of the run",
                             found: "\(step)")
        }
        let checkpointDir = runDir + "/checkpoints"
        let available = try Checkpoints.list(checkpointDir)
        guard let start = available.last(where: { $0 < step }) else {
            throw InputError(file: checkpointDir, expected: "a checkpoint at or before step \(step - 1)",
                             found: available.isEmpty ? "none" : "checkpoints of steps \(available.map(String.init).joined(separator: ", "))",
                             hint: "keep more checkpoints (checkpoint.keep, checkpoint.every) to replay earlier steps")
        }
        let directory = checkpointDir + "/" + Checkpoints.name(start)
        try Checkpoints.verify(directory)
        let state = try Checkpoints.readState(directory, maxSteps: spec.train.steps)
        Gemm.setThreads(spec.threads.blas)
        let model = try Transformer.load(directory: directory)
        model.threads = spec.threads.learner
        let learner = try Learner(model: model, config: spec.learnerConfig())
        try learner.optimizer.restore(step: state.optimizerStep, adamwState: learner.optimizer.adamw == nil ? nil : directory + "/optimizer.bin")
        var metrics: [String: Double] = [:]
        for t in (start + 1)...step {
            let rollouts = try RolloutFile.read(try segment(holding: t), step: t)
            log("step \(t): \(rollouts.count) recorded rollouts")
            metrics = try learner.update(rollouts)
            metrics["train/rollouts"] = Double(rollouts.count)
        }
        var matches: Bool?
        if available.contains(step) {
            let run = try Transformer.load(directory: checkpointDir + "/" + Checkpoints.name(step))
            matches = memcmp(run.parameters.base, model.parameters.base, model.parameterCount * MemoryLayout<Float>.size) == 0
        }
        if let output {
            try FileSystem.createDirectory(output)
            try model.save(directory: output)
            try CompanionFiles.copy(CompanionFiles.of(directory).filter { !$0.hasSuffix("/config.json") }, into: output)
        }
        return Result(metrics: metrics, startedFrom: start, matchesRun: matches)
    }

    /// The rollout segment (RUN_DIR/rollouts/steps-A-B) that holds step `t`.
    func segment(holding t: Int) throws -> String {
        let root = runDir + "/rollouts"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names where name.hasPrefix("steps-") {
            let bounds = name.dropFirst(6).split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= t, t <= bounds[1] { return root + "/" + name }
        }
        throw InputError(file: root, expected: "a rollout segment holding step \(t)", found: "segments \(names.sorted())",
                         hint: "the run recorded its rollouts up to its last checkpoint")
    }
}
