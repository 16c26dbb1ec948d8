// Streaming: the same pipeline with max_staleness k = 1 (sampling step s+1 overlaps learning step s) against
// k = 0 (synchronous), in the same run: steps per minute, the per-step time of each stage, and the cost of
// the channels. Evaluation and checkpoints are switched off so that only the RL loop is timed.

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
    public static func run(_ o: StreamingBenchOptions, print emit: @escaping @Sendable (String) -> Void = { print($0) }) async throws {
        let scratch = NSTemporaryDirectory() + "dispo-bench-streaming-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var perStep: [Int: (wall: Double, sample: Double, learn: Double, starved: Double)] = [:]
        var elementsPerStep = 0
        for k in [0, 1] {
            let sets = o.overrides + ["train.steps=\(o.steps)", "rollout.max_staleness=\(k)", "checkpoint.every=0",
                                      "data.eval=null", "run_dir=\"\(scratch)/k\(k)\""]
            let spec = try PipelineSpec.load(o.pipeline, overrides: sets)
            // Per step: the prompts, one generation batch, one scored batch, one decision, one step batch.
            elementsPerStep = spec.rollout.promptsPerStep + 4
            let run = PipelineRun(context: try RunContext(spec: spec))
            let started = Date()
            let summary = try await run.run(resume: false)
            let wall = Date().timeIntervalSince(started)
            let lines = try String(contentsOfFile: spec.runDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            var sample = 0.0, learn = 0.0
            for line in lines {
                let m = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                sample += (m["timing_s/sample"] as? Double ?? 0) + (m["timing_s/verify"] as? Double ?? 0)
                learn += m["timing_s/learn"] as? Double ?? 0
            }
            let starved = summary.finalMetrics["channel/batches/consumer_starved_s"] ?? 0
            let n = Double(summary.steps)
            perStep[k] = (wall / n, sample / n, learn / n, starved / n)
            emit(String(format: "k = %d: %d steps in %.1f s = %.1f steps/min; per step: sampling %.2f s, learning %.2f s, learner starved %.2f s",
                        k, summary.steps, wall, 60 * n / wall, sample / n, learn / n, starved / n))
        }
        let k0 = perStep[0]!, k1 = perStep[1]!
        emit(String(format: "k = 1 step time / slower stage: %.2f (goal ≤ 1.10; %.2f s vs max(%.2f, %.2f) s)",
                    k1.wall / max(k1.sample, k1.learn), k1.wall, k1.sample, k1.learn))
        let channelCost = try await channelOverhead()
        emit(String(format: "channel send+receive: %.2f µs per element; %d elements per step → %.4f%% of the k = 1 step",
                    channelCost * 1e6, elementsPerStep, 100 * channelCost * Double(elementsPerStep) / k1.wall))
        emit(String(format: "ratio k=1 vs k=0 (steps per minute): %.2f", k0.wall / k1.wall))
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
