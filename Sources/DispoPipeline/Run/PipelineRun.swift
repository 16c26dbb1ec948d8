// A run of a pipeline: warm start, evaluation before, the streaming RL loop, checkpoints, evaluation after,
// and the run directory:
//
//     RUN_DIR/spec.json  metrics.jsonl  checkpoints/  final/  rollouts/  summary.json  eval-*.json(l)
//             tensorboard/  .lock
//
// The learner consumes one StepBatch per step from the producing stages (which run concurrently, up to
// max_staleness steps ahead), updates, publishes the new policy version, logs metrics, and checkpoints at the
// cadence, at the end, and when asked to stop. Given the spec, seed and thread counts the run is
// deterministic, so a resumed run ends with the same weights. Each step's metrics also feed the StepWatch:
// the adaptive clipping schedule, collapse detection (with `train.stop_on_collapse` the run ends at a
// collapse, evaluated and summarised) and the TensorBoard file.
//
// Failures end the run promptly with their error: an error of any producing stage reaches the learner
// through the `batches` channel at once (ProducingStages fails every channel); if the learner was between
// steps, a checkpoint of the steps done is written first. An error of the learner itself (e.g. a non-finite
// gradient) stops the producing stages and writes nothing: the last checkpoint stays the one to resume from.

import DispoChannels
import DispoDistributed
import DispoEngine
import DispoLearner
import DispoRollout
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
    /// Interrupted (a signal): resume it.
    public var stopped: Bool
    /// The collapse collapse detection found, if any (null in summary.json otherwise).
    public var collapse: CollapseEvent?
    /// The run ended at the collapse (`train.stop_on_collapse`), before its last step.
    public var stoppedOnCollapse: Bool

    enum CodingKeys: String, CodingKey {
        case steps, wallSeconds = "wall_seconds", accuracyBefore = "accuracy_before", accuracyAfter = "accuracy_after"
        case greedyBefore = "greedy_before", greedyAfter = "greedy_after", stderrBefore = "accuracy_before_stderr"
        case stderrAfter = "accuracy_after_stderr", finalMetrics = "final_metrics", stopped, collapse
        case stoppedOnCollapse = "stopped_on_collapse"
    }

    public init(steps: Int, wallSeconds: Double, accuracyBefore: Double?, accuracyAfter: Double?, greedyBefore: Double?,
                greedyAfter: Double?, stderrBefore: Double?, stderrAfter: Double?, finalMetrics: [String: Double],
                stopped: Bool, collapse: CollapseEvent? = nil, stoppedOnCollapse: Bool = false) {
        self.steps = steps
        self.wallSeconds = wallSeconds
        self.accuracyBefore = accuracyBefore
        self.accuracyAfter = accuracyAfter
        self.greedyBefore = greedyBefore
        self.greedyAfter = greedyAfter
        self.stderrBefore = stderrBefore
        self.stderrAfter = stderrAfter
        self.finalMetrics = finalMetrics
        self.stopped = stopped
        self.collapse = collapse
        self.stoppedOnCollapse = stoppedOnCollapse
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(steps: try c.decode(Int.self, forKey: .steps), wallSeconds: try c.decode(Double.self, forKey: .wallSeconds),
                  accuracyBefore: try c.decodeIfPresent(Double.self, forKey: .accuracyBefore),
                  accuracyAfter: try c.decodeIfPresent(Double.self, forKey: .accuracyAfter),
                  greedyBefore: try c.decodeIfPresent(Double.self, forKey: .greedyBefore),
                  greedyAfter: try c.decodeIfPresent(Double.self, forKey: .greedyAfter),
                  stderrBefore: try c.decodeIfPresent(Double.self, forKey: .stderrBefore),
                  stderrAfter: try c.decodeIfPresent(Double.self, forKey: .stderrAfter),
                  finalMetrics: try c.decodeIfPresent([String: Double].self, forKey: .finalMetrics) ?? [:],
                  stopped: try c.decodeIfPresent(Bool.self, forKey: .stopped) ?? false,
                  collapse: try c.decodeIfPresent(CollapseEvent.self, forKey: .collapse),
                  stoppedOnCollapse: try c.decodeIfPresent(Bool.self, forKey: .stoppedOnCollapse) ?? false)
    }

    /// Like the synthesized encoding, but `collapse` is written as null when there was none.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(steps, forKey: .steps)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encodeIfPresent(accuracyBefore, forKey: .accuracyBefore)
        try c.encodeIfPresent(accuracyAfter, forKey: .accuracyAfter)
        try c.encodeIfPresent(greedyBefore, forKey: .greedyBefore)
        try c.encodeIfPresent(greedyAfter, forKey: .greedyAfter)
        try c.encodeIfPresent(stderrBefore, forKey: .stderrBefore)
        try c.encodeIfPresent(stderrAfter, forKey: .stderrAfter)
        try c.encode(finalMetrics.filter { $0.value.isFinite }, forKey: .finalMetrics)
        try c.encode(stopped, forKey: .stopped)
        try c.encode(collapse, forKey: .collapse)
        try c.encode(stoppedOnCollapse, forKey: .stoppedOnCollapse)
    }
}

/// Where a failure of the loop came from: the learner's side or the producing stages (then the learner was
/// between steps, and the steps done can be checkpointed).
struct ProducingFailure: Error { var underlying: any Error }

public final class PipelineRun: @unchecked Sendable {
    public let context: RunContext
    public let stop: StopFlag
    /// Spec hashes a resumed run accepts besides its own (the spec before allowed changes).
    public var acceptedSpecHashes: Set<String> = []
    /// Replaces the verifier's scoring (benchmarks only).
    public var scoringOverride: ResponseScoring?
    /// The ranks of a data-parallel run (DataParallelRun.swift); one process by default.
    public var communicator: any Communicator = SingleProcessCommunicator()
    let log: @Sendable (String) -> Void
    let learnerThread = ComputeThread(name: "learner")
    /// Steps of the newest checkpoint written or restored.
    var checkpointed = -1
    /// Reward plugin failures already logged, by component (the metric is per step).
    var rewardFailuresLogged: [String: Int] = [:]
    /// The policy store of the current run (to inspect what it holds).
    public private(set) var policyStore: PolicyStore?

    public init(context: RunContext, stop: StopFlag = StopFlag(), log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.context = context
        self.stop = stop
        self.log = log
    }

    var checkpointDir: String { context.runDir + "/checkpoints" }
    var metricsPath: String { context.runDir + "/metrics.jsonl" }

    /// Runs (or resumes) to the end. `resume`: continue from the newest complete checkpoint. `overwrite`: a
    /// fresh run replaces what the directory holds (after taking its lock).
    public func run(resume: Bool, overwrite: Bool = false) async throws -> RunSummary {
        let started = Date()
        let spec = context.spec
        try checkDataParallelSpec()
        // Rank 0 alone locks and prepares the run directory and picks the checkpoint every rank resumes from.
        var lock: RunDirectoryLock?
        let found = try onRoot("run.start") {
            lock = try RunDirectoryLock(directory: context.runDir)
            if !resume { try prepareFreshDirectory(overwrite: overwrite) }
            return resume ? try Checkpoints.list(checkpointDir).last ?? -1 : -1
        }
        defer { withExtendedLifetime(lock) {} }
        Gemm.setThreads(spec.threads.blas)
        context.learnerModel.threads = spec.threads.learner
        if context.samplerWeights == nil { context.samplerModel.threads = spec.threads.sampler }
        let learner = try Learner(model: context.learnerModel, config: context.learnerConfig(), communicator: communicator)
        var state = CheckpointState(steps: 0, optimizerStep: 0, cursor: ShardCursor(seed: spec.seed), specHash: context.specHash,
                                    metricsLines: 0, accuracyBefore: nil, versions: [])
        let store = PolicyStore()
        policyStore = store
        var before: EvalResult?
        let newest = found >= 0 ? found : nil
        if let newest {
            state = try restore(newest, learner: learner, store: store)
            if state.specHash != context.specHash, isRoot {
                try AtomicFile.write(context.specJSON + "\n", to: context.runDir + "/spec.json")
            }
            log("resuming from \(Checkpoints.name(newest)) (\(state.steps) of \(spec.train.steps) steps done"
                + (state.ranks.map { $0 == communicator.size ? "" : "; it was written by a run of \($0) rank(s), this one has \(communicator.size)" } ?? "")
                + ")")
        } else {
            if isRoot {
                try AtomicFile.write(context.specJSON + "\n", to: context.runDir + "/spec.json")
                try AtomicFile.write("", to: metricsPath)
            }
            try warmStart()
        }
        try checkSameWeights("at the start")
        let watch = try StepWatch(context: context, state: state, learner: learner, resumed: newest != nil, writes: isRoot)
        if newest == nil {
            for note in StepWatch.unreachableRegimes(spec.algorithm.objective(maxNewTokens: spec.rollout.maxNewTokens).loss) {
                log("note: " + note)
            }
            before = try evaluate(label: "before")
            try watch.record(step: 0, before?.metrics ?? [:])
            state.accuracyBefore = before?.meanAtK
            watch.save(into: &state)
            try checkpoint(learner: learner, state: state, store: store)
        }
        publishVersion(state.steps, store: store)
        let metrics = isRoot ? try MetricsLog(path: metricsPath, keepLines: state.metricsLines)
            : MetricsLog(countingFrom: state.metricsLines)
        // Responses are model ids: a model's vocabulary may exceed its tokenizer's (Qwen2.5: 151,936 rows for
        // 151,665 tokens), and a sampled padding id must not fail the recorder.
        var recorded = context.tokenizer.identity
        recorded.vocabularySize = max(recorded.vocabularySize, context.learnerModel.config.vocabSize)
        let recorder = isRoot ? try RolloutRecorder(runDir: context.runDir, tokenizer: recorded, resumingAfter: state.steps)
            : RolloutRecorder(discardingWith: recorded)
        state = try await loop(learner: learner, store: store, state: state, metrics: metrics, recorder: recorder, watch: watch)
        try await recorder.flushAndSeal()
        try checkpoint(learner: learner, state: state, store: store)
        try checkSameWeights("at the end")
        let collapseStop = watch.stopsRun && state.steps < spec.train.steps
        let stopped = state.steps < spec.train.steps && !collapseStop
        var after: EvalResult?
        if !stopped {
            after = try evaluate(label: "after")
            try watch.record(step: state.steps, after?.metrics ?? [:])
            if isRoot { try writeFinal() }
        }
        let summary = RunSummary(steps: state.steps, wallSeconds: Date().timeIntervalSince(started),
                                 accuracyBefore: state.accuracyBefore ?? before?.meanAtK, accuracyAfter: after?.meanAtK,
                                 greedyBefore: before?.greedy ?? readEval("before")?.greedy, greedyAfter: after?.greedy,
                                 stderrBefore: before?.standardError ?? readEval("before")?.standardError,
                                 stderrAfter: after?.standardError, finalMetrics: metrics.last, stopped: stopped,
                                 collapse: watch.collapse.event, stoppedOnCollapse: collapseStop)
        if !stopped, isRoot { try AtomicFile.write(Array(try JSONWriter.data(summary, pretty: true)), to: context.runDir + "/summary.json") }
        return summary
    }

    /// The streaming loop from `state.steps` to the spec's steps, or until asked to stop.
    func loop(learner: Learner, store: PolicyStore, state start: CheckpointState, metrics: MetricsLog,
              recorder: RolloutRecorder, watch: StepWatch) async throws -> CheckpointState {
        let spec = context.spec
        var state = start
        guard state.steps < spec.train.steps, !watch.stopsRun else { return state }
        if let backend = context.backend {
            try await backend.connect()
            log("sampling on \(backend.name)")
        }
        let producing = try ProducingStages(context: context, store: store, scoring: scoringOverride, backend: context.backend,
                                        communicator: communicator)
        // Data-parallel ranks stop together, after the step every rank agreed on (`agreeToStop`), so a stop
        // request does not cut the producing stages short there.
        let token = isDataParallel ? nil : stop.onRaise { producing.fail(StopRequested()) }
        defer { token.map(stop.remove) }
        var stopAgreed = false
        producing.openExchange(step: state.steps)
        defer { context.reward?.shutdown() }
        let (steps, cursor) = (state.steps..<spec.train.steps, state.cursor)
        let producer = Task { try await producing.run(steps: steps, cursor: cursor) }
        let loopStarted = Date()
        do {
            while state.steps < spec.train.steps, !(isDataParallel ? stopAgreed : stop.isRaised), !watch.stopsRun {
                let batch: StepBatch
                do {
                    guard let b = try await producing.batches.receive() else {
                        throw PipelineStageError(stage: "pipeline", message: "no batch for step \(state.steps + 1): the producing stages stopped")
                    }
                    batch = b
                    try await beforeUpdate(onStep: b.step, store: store)
                } catch is StopRequested {
                    break
                } catch {
                    throw ProducingFailure(underlying: error)
                }
                state = try await learn(batch, learner: learner, store: store, state: state, metrics: metrics,
                                        recorder: recorder, producing: producing, watch: watch,
                                        since: (start.steps, loopStarted))
                if isDataParallel {
                    stopAgreed = try await agreeToStop()
                    if !stopAgreed, !watch.stopsRun, state.steps < spec.train.steps { producing.openExchange(step: state.steps) }
                }
            }
        } catch let failure as ProducingFailure {
            producing.fail(failure.underlying)
            _ = await producer.result
            if state.steps > checkpointed {
                try? await recorder.flushAndSeal()
                try? checkpoint(learner: learner, state: state, store: store)
            }
            throw failure.underlying
        } catch {
            producing.fail(error)
            _ = await producer.result
            throw error
        }
        producing.fail(StopRequested())
        _ = await producer.result
        return state
    }

    /// One learner step on `batch`; returns the state after it.
    private func learn(_ batch: StepBatch, learner: Learner, store: PolicyStore, state before: CheckpointState,
                       metrics: MetricsLog, recorder: RolloutRecorder, producing: ProducingStages, watch: StepWatch,
                       since: (steps: Int, date: Date)) async throws -> CheckpointState {
        let spec = context.spec
        var state = before
        let step = batch.step + 1
        recorder.enqueue(batch)
        var rollouts = batch.groups.enumerated().flatMap { slot, group in group.rollouts(step: step, slot: slot) }
        let learnStarted = Date()
        let exclusive = Exclusive(learner)
        var mismatch: [String: Double] = [:]
        if spec.rollout.recomputeOldLogprobs || context.backend != nil {
            let batchRollouts = rollouts
            let trainer = try await learnerThread.run { try exclusive.value.responseLogProbs(batchRollouts) }
            let sampler = rollouts.map(\.oldLogProbs)
            for (name, value) in try MismatchMetrics.compute(sampler: sampler, trainer: trainer).named { mismatch[name] = value }
            if context.backend != nil, batch.step == 0 {
                // Step 1 is sampled with the learner's own weights: any large gap is a log-prob semantics mix-up.
                let τ = spec.rollout.temperature
                let atOne = τ == 1 ? nil : try await learnerThread.run { try exclusive.value.responseLogProbs(batchRollouts, temperature: 1) }
                if let problem = try LogProbSemantics.diagnose(sampler: sampler, trainer: trainer, trainerAtTemperatureOne: atOne, temperature: τ) {
                    throw PipelineStageError(stage: "sampler", message: problem)
                }
            }
            if spec.rollout.recomputeOldLogprobs { for i in rollouts.indices { rollouts[i].oldLogProbs = trainer[i] } }
        }
        // Data-parallel: every rank holds the whole step batch; each learns on its share of the slots
        // (interleaved, `RankShare.slots`), at the rollouts' positions in the global batch.
        var trainOn = rollouts, positions: [Int]?
        if isDataParallel {
            var starts = [0]
            for group in batch.groups { starts.append(starts[starts.count - 1] + group.responses.count) }
            let mine = share.slots(of: batch.groups.count).flatMap { starts[$0]..<starts[$0 + 1] }
            trainOn = mine.map { rollouts[$0] }
            positions = mine
        }
        let (mine, at) = (trainOn, positions)
        var values = try await learnerThread.run { try exclusive.value.update(mine, positions: at) }
        values.merge(mismatch) { $1 }
        let learnSeconds = Date().timeIntervalSince(learnStarted)
        state.steps = step
        state.cursor = batch.cursor
        state.optimizerStep = learner.optimizer.step
        publishVersion(state.steps, store: store)
        store.discard(below: max(0, state.steps - spec.rollout.maxStaleness))
        values.merge(StepMetrics.rollout(batch)) { $1 }
        for (name, count) in context.reward?.failures ?? [:] {
            values["reward/\(name)/failures"] = Double(count - (rewardFailuresLogged[name] ?? 0))
            rewardFailuresLogged[name] = count
        }
        values["timing_s/learn"] = learnSeconds
        values["perf/trained_tokens_per_s"] = Double(rollouts.reduce(0) { $0 + $1.responseIDs.count + $1.promptIDs.count })
            / max(learnSeconds, 1e-9)
        for c in producing.channels {
            values["channel/\(c.name)/producer_blocked_s"] = Double(c.metrics.producerBlockedNanos) / 1e9
            values["channel/\(c.name)/consumer_starved_s"] = Double(c.metrics.consumerStarvedNanos) / 1e9
        }
        values = try await rootValues(values)
        if let collapse = watch.afterUpdate(step: state.steps, values: values, learner: learner) { log(watch.warning(collapse)) }
        watch.save(into: &state)
        if spec.eval.every > 0, state.steps % spec.eval.every == 0, state.steps < spec.train.steps, !watch.stopsRun {
            if let e = try evaluate(label: "step-\(state.steps)") { values.merge(e.metrics) { $1 } }
        }
        try metrics.append(step: state.steps, values)
        try watch.record(step: state.steps, values)
        state.metricsLines = metrics.lines
        let elapsed = Date().timeIntervalSince(since.date)
        let eta = elapsed / Double(state.steps - since.steps) * Double(spec.train.steps - state.steps)
        log(StepMetrics.line(step: state.steps, of: spec.train.steps, values) + "  ETA " + ProgressBar.duration(eta))
        FaultInjection.point("step", state.steps)
        if FaultInjection.matches("sigint", state.steps) { kill(getpid(), SIGINT) }
        if spec.checkpoint.every > 0, state.steps % spec.checkpoint.every == 0 {
            try await recorder.flushAndSeal()
            try checkpoint(learner: learner, state: state, store: store)
        }
        return state
    }

    /// A fresh run starts in an empty directory: with `overwrite`, everything but the lock is removed.
    func prepareFreshDirectory(overwrite: Bool) throws {
        let entries = try FileManager.default.contentsOfDirectory(atPath: context.runDir).filter { $0 != ".lock" }
        guard !entries.isEmpty else { return }
        guard overwrite else {
            throw InputError(file: context.runDir, expected: "an empty run directory", found: "\(entries.count) entries",
                             hint: "continue the run with `dispo resume \(context.runDir)`, or pass --overwrite")
        }
        for entry in entries { try FileManager.default.removeItem(atPath: context.runDir + "/" + entry) }
    }
}
