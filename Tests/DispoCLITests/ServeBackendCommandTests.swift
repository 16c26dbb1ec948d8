// `dispo run` against two `dispo serve` processes, as a user sets it up, through vLLM's API and SGLang's: the servers are started here on
// 127.0.0.1 (port 0, the bound port read from their log), the run names them with only `kind` and `urls`,
// and it ends with the weights of the same run on the local backend. Both runs recompute the old
// log-probs (servers batch requests differently, which moves log-probs by ~1e-6 but not the tokens).
// Every wait is bounded; the servers get SIGTERM at the end and must exit 0.
import Foundation
import XCTest

final class ServeBackendCommandTests: XCTestCase {
    /// A `dispo serve` child whose standard error goes to a file, and the port it reported there.
    private struct NoPort: Error {}

    private struct Server {
        let process: Process
        let url: String
    }

    private func startServer(model: String, log: String) throws -> Server {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = try Dispo.executable
        process.arguments = ["serve", "--model", model, "--host", "127.0.0.1", "--port", "0"]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let marker = "listening on http://127.0.0.1:"
        for _ in 0..<300 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: marker) {
                let port = text[range.upperBound...].prefix { $0.isNumber }
                return Server(process: process, url: "http://127.0.0.1:\(port)")
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw NoPort()
    }

    private func stop(_ server: Server) {
        kill(server.process.processIdentifier, SIGTERM)
        for _ in 0..<100 where server.process.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(server.process.isRunning, "dispo serve still running 10 s after SIGTERM")
        if server.process.isRunning { kill(server.process.processIdentifier, SIGKILL) }
        server.process.waitUntilExit()
        XCTAssertEqual(server.process.terminationStatus, 0)
    }

    func test_runs_on_two_dispo_serve_processes_through_either_api_end_with_the_local_backends_weights() throws {
        let (dir, data) = try smokeShards(["sft.steps=0"])
        let initModel = try Dispo.run(["model", "init", "--config", "Data/models/tiny-char/config.json", "--seed", "1",
                                       "--out", dir + "/model"], timeout: 60)
        XCTAssertEqual(initModel.status, 0, initModel.stderr)
        var servers: [Server] = []
        defer { for s in servers where s.process.isRunning { kill(s.process.processIdentifier, SIGKILL) } }
        for i in 0..<2 {
            guard let server = try? startServer(model: dir + "/model", log: dir + "/serve-\(i).log") else {
                let log = (try? String(contentsOfFile: dir + "/serve-\(i).log", encoding: .utf8)) ?? ""
                return XCTFail("dispo serve \(i) did not report its port within 30 s: \(log)")
            }
            servers.append(server)
        }
        let common = data + ["model={\"path\": \"\(dir)/model\"}", "train.steps=2", "eval.every=0", "eval.samples=1", "data.eval_limit=4",
                      "rollout.recompute_old_logprobs=true"].flatMap { ["--set", $0] }
        let local = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/local"] + common, timeout: 300)
        XCTAssertEqual(local.status, 0, local.stderr)
        let weights = { (run: String) in try Data(contentsOf: URL(fileURLWithPath: dir + "/" + run + "/final/model.safetensors")) }
        // The same servers through vLLM's API (with dispo's sample keys: the local samples exactly) and through
        // SGLang's (per-sample `sampling_seed`: other samples than local, but the same ones run after run).
        for (run, kind) in [("vllm", "openai-completions"), ("sglang", "sglang"), ("sglang-again", "sglang")] {
            let backend = "{\"kind\": \"\(kind)\", \"urls\": [\"\(servers[0].url)\", \"\(servers[1].url)\"]}"
            let served = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/" + run, "--set", "rollout.backend=" + backend]
                                       + common, timeout: 300)
            XCTAssertEqual(served.status, 0, served.stderr)
            XCTAssertTrue((served.stdout + served.stderr).contains("sampling on \(kind) ×2"), served.stdout + served.stderr)
            let metrics = try String(contentsOfFile: dir + "/" + run + "/metrics.jsonl", encoding: .utf8)
            XCTAssertEqual(metrics.split(separator: "\n").count, 2)
            XCTAssertTrue(metrics.contains("\"rollout/mismatch_kl\""), metrics)
        }
        XCTAssertEqual(try weights("vllm"), try weights("local"), "a run through vLLM's API must end with the local run's weights")
        XCTAssertEqual(try weights("sglang-again"), try weights("sglang"), "runs through SGLang's API must repeat")
        // Both servers reloaded the weights the learner published.
        for i in 0..<2 {
            let log = try String(contentsOfFile: dir + "/serve-\(i).log", encoding: .utf8)
            XCTAssertTrue(log.contains("reloaded weights version"), "server \(i) log: \(log)")
        }
        servers.forEach(stop)
    }
}
