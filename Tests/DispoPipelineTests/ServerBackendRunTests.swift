// A whole run whose sampling goes to two `dispo serve` servers on 127.0.0.1 (started and stopped here): it
// syncs weights each step, tags samples with the served version, logs the trainer–sampler mismatch, and
// ends with the same weights as the local backend. Both recompute the old log-probs: servers batch requests
// differently from the local sampler, which moves log-probs by ~1e-6 (docs/SERVING.md) but not the tokens.
import DispoEngine
import DispoPipeline
import DispoRollout
import DispoServe
import DispoSupport
import XCTest

final class ServerBackendRunTests: XCTestCase {
    private func finalWeights(_ spec: PipelineSpec) throws -> [Float] {
        let model = try Transformer.load(directory: spec.runDir + "/final")
        return Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount))
    }

    private func metrics(_ spec: PipelineSpec) throws -> [[String: Double?]] {
        try String(contentsOfFile: spec.runDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map {
            try StrictJSONDecoder().decode([String: Double?].self, from: JSONParser.parse(String($0), file: "metrics.jsonl"), file: "metrics.jsonl")
        }
    }

    func test_a_run_on_two_dispo_serve_servers_ends_with_the_local_backends_weights() async throws {
        let fixture = try PipelineFixture(test: self)
        var servers: [DispoServer] = []
        var tasks: [Task<Void, any Error>] = []
        for _ in 0..<2 {
            var o = ServeOptions(modelDirectory: fixture.dir + "/model")
            o.port = 0
            let server = try await DispoServer(o)
            servers.append(server)
            tasks.append(Task { try await server.run() })
        }
        let urls = servers.map { "\"http://127.0.0.1:\($0.http.port)\"" }.joined(separator: ",")
        let common = ["rollout.recompute_old_logprobs=true", "eval.every=0"]
        let local = try fixture.spec(common, name: "local")
        let remote = try fixture.spec(common + ["rollout.backend={\"kind\": \"openai-completions\", \"urls\": [\(urls)]}"], name: "remote")
        _ = try await PipelineRun(context: try RunContext(spec: local)).run(resume: false)
        _ = try await PipelineRun(context: try RunContext(spec: remote)).run(resume: false)
        for s in servers { await s.shutdown() }
        for t in tasks { _ = try? await t.value }
        XCTAssertEqual(try finalWeights(remote), try finalWeights(local))
        // The servers were told each version: steps 1-3 sampled with versions 0, 0, 1 (max_staleness 1).
        let logged = try metrics(remote)
        XCTAssertEqual(logged.map { $0["train/policy_version"] ?? nil }, [0, 0, 1])
        for m in logged {
            let kl = try XCTUnwrap(m["rollout/mismatch_kl"] ?? nil)
            XCTAssertGreaterThanOrEqual(kl, 0)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: remote.runDir + "/policy"))
    }
}
