// A pipeline sampling on a pool of `dispo serve` servers against the same pipeline sampling locally, on
// this machine: whole runs (evaluation and checkpoints off), alternating local and pool round by round,
// seconds per step and the ratio. The servers run in this process on 127.0.0.1 (port 0), each on its own
// compute thread, serving the pipeline's starting model; the pool run syncs weights every step through
// the policy directory, and the learner recomputes the old log-probs (as every server-backed run does).

import DispoPipeline
import DispoServe
import DispoSupport
import Foundation

public struct PoolPipelineBenchOptions: Sendable {
    public var pipeline = "Pipelines/quickstart.json"
    public var steps = 20
    public var servers = 2
    public var rounds = 2
    public var overrides: [String] = []
    public init() {}
}

public enum PoolPipelineBench {
    public static func run(_ o: PoolPipelineBenchOptions, print emit: @escaping @Sendable (String) -> Void) async throws {
        let scratch = NSTemporaryDirectory() + "dispo-bench-pool-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let base = try PipelineSpec.load(o.pipeline, overrides: o.overrides)
        guard let model = base.model.path else {
            throw InputError(file: o.pipeline, place: "$.model.path", expected: "a model directory (the servers load it)",
                             found: "a model made from a config")
        }
        var servers: [DispoServer] = []
        var tasks: [Task<Void, any Error>] = []
        defer { for t in tasks { t.cancel() } }
        for _ in 0..<o.servers {
            var s = ServeOptions(modelDirectory: model)
            s.port = 0
            let server = try await DispoServer(s)
            servers.append(server)
            tasks.append(Task { try await server.run() })
        }
        let urls = servers.map { "\"http://127.0.0.1:\($0.http.port)\"" }.joined(separator: ", ")
        let pool = "rollout.backend={\"kind\": \"openai-completions\", \"urls\": [\(urls)]}"
        var local: [Double] = [], served: [Double] = []
        for round in 1...o.rounds {
            let l = try await secondsPerStep(o, sets: [], label: "local-\(round)", scratch: scratch)
            let p = try await secondsPerStep(o, sets: [pool], label: "pool-\(round)", scratch: scratch)
            local.append(l)
            served.append(p)
            emit(String(format: "round %d: local %.3f s per step, pool of %d servers %.3f s per step (pool/local speed %.2f)",
                        round, l, o.servers, p, l / p))
        }
        for s in servers { await s.shutdown() }
        for t in tasks { _ = try? await t.value }
        let (bestLocal, bestPool) = (local.min() ?? .nan, served.min() ?? .nan)
        emit(String(format: "best: local %.1f steps/min, pool %.1f steps/min; pool/local speed %.2f", 60 / bestLocal, 60 / bestPool,
                    bestLocal / bestPool))
    }

    /// Seconds per step of one whole run of the pipeline with `sets`.
    static func secondsPerStep(_ o: PoolPipelineBenchOptions, sets: [String], label: String, scratch: String) async throws -> Double {
        let all = o.overrides + sets + ["train.steps=\(o.steps)", "checkpoint.every=0", "data.eval=null", "run_dir=\"\(scratch)/\(label)\""]
        let spec = try PipelineSpec.load(o.pipeline, overrides: all)
        let run = PipelineRun(context: try RunContext(spec: spec))
        let started = Date()
        let summary = try await run.run(resume: false)
        return Date().timeIntervalSince(started) / Double(max(1, summary.steps))
    }
}
