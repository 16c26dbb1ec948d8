// Streaming: how much the pipeline's stages overlap, measured on whole runs of a pipeline (evaluation and
// checkpoints off, so only the RL loop is timed), all in one process run:
//
// 1. max_staleness k = 0 (synchronous) against k = 1 (sampling step s+1 overlaps learning step s).
// 2. k = 1 with a deliberately slow scorer (a benchmark-only stand-in for an external reward program: it
//    scores as the verifier does, then waits, so that scoring a step takes about as long as sampling it).
//    Verification runs on its own workers while the sampler goes on with the next generation batches, so a
//    step should take about max(sample, score), not their sum: the goal is ≤ 1.1 × max.
// 3. The cost of a channel hand-off, per element and as a share of a step.

import DispoChannels
import DispoPipeline
import DispoSupport
import Foundation

public struct StreamingBenchOptions: Sendable {
    public var pipeline = "Pipelines/quickstart.json"
    public var steps = 30
    public var overrides: [String] = []
    public init() {}
}

public enum StreamingBench {
    struct PerStep { var wall, sample, verify, learn, starved: Double }

    public static func run(_ o: StreamingBenchOptions, print emit: @escaping @Sendable (String) -> Void = { print($0) }) async throws {
        let scratch = NSTemporaryDirectory() + "dispo-bench-streaming-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let k0 = try await measure(o, label: "k0", sets: ["rollout.max_staleness=0"], scratch: scratch)
        let k1 = try await measure(o, label: "k1", sets: ["rollout.max_staleness=1"], scratch: scratch)
        for (k, r) in [(0, k0), (1, k1)] {
            emit(String(format: "k = %d: %.2f s per step = %.1f steps/min; sampling %.2f s, learning %.2f s, learner starved %.2f s",
                        k, r.wall, 60 / r.wall, r.sample, r.learn, r.starved))
        }
        emit(String(format: "k = 1 step time / slower stage: %.2f (goal ≤ 1.10; %.2f s vs max(%.2f, %.2f) s)",
                    k1.wall / max(k1.sample, k1.learn), k1.wall, k1.sample, k1.learn))
        emit(String(format: "ratio k=1 vs k=0 (steps per minute): %.2f", k0.wall / k1.wall))
        try await slowScorer(o, target: max(k1.sample, k1.learn), scratch: scratch, emit: emit)
        let channelCost = try await channelOverhead()
        emit(String(format: "channel send+receive: %.2f µs per element; ~12 hand-offs per step → %.4f%% of the k = 1 step",
                    channelCost * 1e6, 100 * channelCost * 12 / k1.wall))
    }

    /// The slow-scorer case: 4 generation batches per step, each response's scoring delayed so that a step's
    /// scoring, spread over the verifier workers, takes about as long as the slower of sampling and learning
    /// (`target`, measured in the k = 1 run). Every stage then has a step's worth of work of about the same
    /// length, and only overlap keeps the step near that length.
    static func slowScorer(_ o: StreamingBenchOptions, target: Double, scratch: String,
                           emit: @Sendable (String) -> Void) async throws {
        let spec = try PipelineSpec.load(o.pipeline, overrides: o.overrides)
        let responses = Double(spec.rollout.promptsPerStep * spec.rollout.groupSize)
        let workers = 2.0
        let delay = target * workers / responses
        let perBatch = max(1, spec.rollout.promptsPerStep / 4)
        let r = try await measure(o, label: "slow", sets: ["rollout.max_staleness=1", "rollout.gen_batch_prompts=\(perBatch)"],
                                  scratch: scratch) { context in
            let scorer = RolloutSampler(generator: context.newGenerator(context.samplerModel, slots: 1), tokenizer: context.tokenizer,
                                        scorer: context.scorer, parameters: context.samplingParameters, seed: context.spec.seed)
            return { result, problem, _ in
                let scored = scorer.score(result, problem: problem)
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                return scored
            }
        }
        let score = r.verify / workers
        let slower = max(r.sample, score, r.learn)
        emit(String(format: "slow scorer (%.1f ms per response, %d verifier workers, generation batches of %d prompts):", delay * 1e3,
                    Int(workers), perBatch))
        emit(String(format: "  %.2f s per step; sampling %.2f s, scoring %.2f s, learning %.2f s; step / slowest stage = %.2f "
                    + "(goal ≤ 1.10); step / (sampling + scoring) = %.2f", r.wall, r.sample, score, r.learn, r.wall / slower,
                    r.wall / (r.sample + score)))
    }

    /// Runs the pipeline with `sets` and returns per-step means.
    static func measure(_ o: StreamingBenchOptions, label: String, sets extra: [String], scratch: String,
                        scoring: ((RunContext) -> ResponseScoring)? = nil) async throws -> PerStep {
        let sets = o.overrides + extra + ["train.steps=\(o.steps)", "checkpoint.every=0", "data.eval=null",
                                          "run_dir=\"\(scratch)/\(label)\""]
        let spec = try PipelineSpec.load(o.pipeline, overrides: sets)
        let context = try RunContext(spec: spec)
        let run = PipelineRun(context: context)
        run.scoringOverride = scoring?(context)
        let started = Date()
        let summary = try await run.run(resume: false)
        let wall = Date().timeIntervalSince(started)
        var sample = 0.0, verify = 0.0, learn = 0.0
        for line in try String(contentsOfFile: spec.runDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n") {
            let m = try StrictJSONDecoder().decode([String: Double?].self, from: JSONParser.parse(String(line), file: "metrics"),
                                                   file: "metrics")
            sample += (m["timing_s/sample"] ?? 0) ?? 0
            verify += (m["timing_s/verify"] ?? 0) ?? 0
            learn += (m["timing_s/learn"] ?? 0) ?? 0
        }
        let n = Double(max(1, summary.steps))
        return PerStep(wall: wall / n, sample: sample / n, verify: verify / n, learn: learn / n,
                       starved: (summary.finalMetrics["channel/batches/consumer_starved_s"] ?? 0) / n)
    }

    /// Seconds per element through a bounded channel (one producer, one consumer task).
    static func channelOverhead(count: Int = 200_000) async throws -> Double {
        let channel = BoundedChannel<Int>(name: "bench", capacity: 64)
        let started = Date()
        async let consumed: Int = {
            var n = 0
            for try await _ in channel { n += 1 }
            return n
        }()
        for i in 0..<count { try await channel.send(i) }
        channel.finish()
        _ = try await consumed
        return Date().timeIntervalSince(started) / Double(count)
    }
}
