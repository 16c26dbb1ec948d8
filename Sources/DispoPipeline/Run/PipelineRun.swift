// A run of a pipeline: warm start, evaluation before, the streaming RL loop, checkpoints, evaluation after,
// and the run directory:
//
//     RUN_DIR/spec.json  metrics.jsonl  checkpoints/  final/  rollouts/  summary.json  eval-*.json
//
// The learner consumes one StepBatch per step from the sampler stage (which runs concurrently, k steps
// ahead at most), updates, publishes the new policy version, logs metrics, and checkpoints at the cadence,
// at the end, and when asked to stop (SIGINT/SIGTERM: the step in flight finishes first). Given the spec,
// seed and thread counts the run is deterministic, so a resumed run ends with the same weights.

import DispoEngine
import DispoShards
import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct RunSummary: Codable, Sendable {
    public var steps: Int
    public var wallSeconds: Double
    public var accuracyBefore: Double?
    public var accuracyAfter: Double?
    public var greedyBefore: Double?
    public var greedyAfter: Double?
    public var stderrBefore: Double?
    public var stderrAfter: Double?
    public var finalMetrics: [String: Double]
    public var stopped: Bool

    enum CodingKeys: String, CodingKey {
        case steps, wallSeconds = "wall_seconds", accuracyBefore = "accuracy_before", accuracyAfter = "accuracy_after"
        case greedyBefore = "greedy_before", greedyAfter = "greedy_after", stderrBefore = "accuracy_before_stderr"
        case stderrAfter = "accuracy_after_stderr", finalMetrics = "final_metrics", stopped
    }
}

/// Set by SIGINT/SIGTERM: finish the step in flight, checkpoint, exit.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    public init() {}
    public func raise() { lock.lock(); raised = true; lock.unlock() }
    public var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
}

public final class PipelineRun: @unchecked Sendable {
    public let context: RunContext
    public let stop: StopFlag
    /// Spec hashes a resumed run accepts besides its own (the spec before allowed changes).
    public var acceptedSpecHashes: Set<String> = []
    let log: (String) -> Void
    let learnerThread = ComputeThread(name: "learner")

    public init(context: RunContext, stop: StopFlag = StopFlag(), log: @escaping (String) -> Void = { _ in }) {
        self.context = context
        self.stop = stop
        self.log = log
    }

    var checkpointDir: String { context.runDir + "/checkpoints" }
    var metricsPath: String { context.runDir + "/metrics.jsonl" }

    /// Runs (or resumes) to the end. `resume`: continue from the newest complete checkpoint.
    public func run(resume: Bool) async throws -> RunSummary {
        let started = Date()
        let spec = context.spec
        Gemm.setThreads(spec.threads.blas)
        context.learnerModel.threads = spec.threads.learner
        context.samplerModel.threads = spec.threads.sampler
        try FileManager.default.createDirectory(atPath: context.runDir, withIntermediateDirectories: true)
        let learner = try Learner(model: context.learnerModel, config: context.learnerConfig())
        var state = CheckpointState(steps: 0, optimizerStep: 0, cursor: ShardCursor(seed: spec.seed), specHash: context.specHash,
                                    metricsLines: 0, accuracyBefore: nil, versions: [])
        let store = PolicyStore()
        var before: EvalResult?
        if resume, let newest = try Checkpoints.list(checkpointDir).last {
            state = try await restore(newest, learner: learner, store: store)
            if state.specHash != context.specHash {
                try AtomicFile.write(context.specJSON + "\n", to: context.runDir + "/spec.json")
            }
            log("resuming from \(Checkpoints.name(newest)) (\(state.steps) of \(spec.train.steps) steps done)")
        } else {
            try AtomicFile.write(context.specJSON + "\n", to: context.runDir + "/spec.json")
            try AtomicFile.write("", to: metricsPath)
            try warmStart()
            before = try evaluate(label: "before")
            state.accuracyBefore = before?.meanAtK
            try await checkpoint(learner: learner, state: state, store: store)
        }
        await store.publish(state.steps, weights: snapshot(context.learnerModel))
        let metrics = try MetricsLog(path: metricsPath, keepLines: state.metricsLines)
        let recorder = try RolloutRecorder(runDir: context.runDir, tokenizer: context.tokenizer.identity,
                                           resumingAfter: state.steps)
        state = try await loop(learner: learner, store: store, state: state, metrics: metrics, recorder: recorder)
        try await recorder.flushAndSeal()
        try await checkpoint(learner: learner, state: state, store: store)
        let stopped = state.steps < spec.train.steps
        var after: EvalResult?
        if !stopped {
            after = try evaluate(label: "after")
            try writeFinal()
        }
        let summary = RunSummary(steps: state.steps, wallSeconds: Date().timeIntervalSince(started),
                                 accuracyBefore: state.accuracyBefore ?? before?.meanAtK, accuracyAfter: after?.meanAtK,
                                 greedyBefore: before?.greedy ?? readEval("before")?.greedy, greedyAfter: after?.greedy,
                                 stderrBefore: before?.standardError ?? readEval("before")?.standardError,
                                 stderrAfter: after?.standardError, finalMetrics: metrics.last, stopped: stopped)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if !stopped { try AtomicFile.write(Array(try encoder.encode(summary)), to: context.runDir + "/summary.json") }
        return summary
    }

    /// The streaming loop from `state.steps` to the spec's steps, or until asked to stop.
    func loop(learner: Learner, store: PolicyStore, state start: CheckpointState, metrics: MetricsLog,
              recorder: RolloutRecorder) async throws -> CheckpointState {
        let spec = context.spec
        var state = start
        guard state.steps < spec.train.steps else { return state }
        let batches = BoundedChannel<StepBatch>(name: "batches", capacity: spec.channels.batches)
        let stage = SamplerStage(context: context, store: store, batches: batches)
        let firstStep = state.steps, cursor = state.cursor
        let producer = Task { try await stage.run(from: firstStep, cursor: cursor, verifierWorkers: 2) }
        defer { producer.cancel() }
        let loopStarted = Date()
        while state.steps < spec.train.steps, !stop.isRaised {
            guard let batch = try await batches.receive() else {
                try await producer.value
                throw InputError(file: context.runDir, expected: "a batch for step \(state.steps)", found: "the sampler stopped")
            }
            recorder.enqueue(batch)
            let learnStarted = Date()
            let rollouts = batch.groups.flatMap(\.rollouts)
            let exclusive = Exclusive(learner)
            var values = try await learnerThread.run { try exclusive.value.update(rollouts) }
            let learnSeconds = Date().timeIntervalSince(learnStarted)
            state.steps += 1
            state.cursor = batch.cursor
            state.optimizerStep = learner.optimizer.step
            await store.publish(state.steps, weights: snapshot(context.learnerModel))
            await store.discard(below: max(0, state.steps - spec.rollout.maxStaleness))
            values.merge(StepMetrics.rollout(batch, staleness: state.steps - 1 - batch.version)) { $1 }
            values["timing_s/learn"] = learnSeconds
            values["perf/trained_tokens_per_s"] = Double(rollouts.reduce(0) { $0 + $1.responseIDs.count + $1.promptIDs.count }) / max(learnSeconds, 1e-9)
            for c in stage.channels {
                values["channel/\(c.name)/producer_blocked_s"] = Double(c.metrics.producerBlockedNanos) / 1e9
                values["channel/\(c.name)/consumer_starved_s"] = Double(c.metrics.consumerStarvedNanos) / 1e9
            }
            if spec.eval.every > 0, state.steps % spec.eval.every == 0, state.steps < spec.train.steps {
                if let e = try evaluate(label: "step-\(state.steps)") { values.merge(e.metrics) { $1 } }
            }
            try metrics.append(step: state.steps, values)
            state.metricsLines = metrics.lines
            let elapsed = Date().timeIntervalSince(loopStarted)
            let eta = elapsed / Double(state.steps - start.steps) * Double(spec.train.steps - state.steps)
            log(StepMetrics.line(step: state.steps, of: spec.train.steps, values) + "  ETA " + ProgressBar.duration(eta))
            FaultInjection.point("step", state.steps)
            if FaultInjection.matches("sigint", state.steps) { kill(getpid(), SIGINT) }
            if spec.checkpoint.every > 0, state.steps % spec.checkpoint.every == 0 {
                try await recorder.flushAndSeal()
                try await checkpoint(learner: learner, state: state, store: store)
            }
        }
        return state
    }
}
