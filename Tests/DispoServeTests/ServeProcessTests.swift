// `dispo serve` as a user runs it: the binary on a 127.0.0.1 port, /health, /v1/models, a completion,
// errors for what it does not serve, and a clean exit (status 0) on SIGTERM. Every wait is bounded.

import DispoRollout
import DispoServe
import Foundation
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

final class ServeProcessTests: XCTestCase {
    /// The `dispo` binary beside the test bundle.
    func executable() throws -> URL {
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent(), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                          Bundle.main.bundleURL].map { $0.appendingPathComponent("dispo") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("dispo executable not found beside the tests (looked in \(candidates.map(\.path)))")
        }
        return found
    }

    /// A port that was free a moment ago.
    func freePort() async throws -> Int {
        let probe = try await HTTPServer(host: "127.0.0.1", port: 0) { _ in HTTPResponse(status: 200, body: "") }
        let port = probe.port
        let task = Task { try await probe.run() }
        probe.shutdown()
        _ = try? await task.value
        return port
    }

    func call(_ url: String, _ body: String? = nil) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        if let body { request.httpMethod = "POST"; request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func test_dispo_serve_answers_then_exits_cleanly_on_sigterm() async throws {
        let port = try await freePort()
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["serve", "--model", modelDirectory, "--port", String(port), "--served-model-name", "tiny"]
        process.environment = ProcessInfo.processInfo.environment.merging(["DISPO_BLAS_REEXEC": "0"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let base = "http://127.0.0.1:\(port)"
        // Ready within 20 s
        var healthy = false
        for _ in 0..<200 where !healthy {
            healthy = ((try? await call(base + "/health"))?.0 ?? 0) == 200
            if !healthy { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        XCTAssertTrue(healthy, "no 200 from /health within 20 s")
        let (modelsStatus, models) = try await call(base + "/v1/models")
        XCTAssertEqual(modelsStatus, 200)
        XCTAssertTrue(models.contains("\"id\":\"tiny\""), models)
        let (status, body) = try await call(base + "/v1/completions", #"{"model": "tiny", "prompt": [5, 6, 7], "n": 2, "max_tokens": 4, "seed": 3, "logprobs": 0}"#)
        XCTAssertEqual(status, 200, body)
        let answer = try CompletionsWire.parse(Array(body.utf8), source: base, expected: 2)
        XCTAssertTrue(answer.samples.allSatisfy { !$0.tokens.isEmpty && $0.tokens.count == $0.logProbs.count })
        XCTAssertEqual(answer.weightVersion, 0)
        // What it does not serve is refused by name
        let (textStatus, text) = try await call(base + "/v1/completions", #"{"prompt": "2+2=", "max_tokens": 4}"#)
        XCTAssertEqual(textStatus, 400)
        XCTAssertTrue(text.contains("text prompts are not served"), text)
        let (penaltyStatus, penalty) = try await call(base + "/v1/completions", #"{"prompt": [5], "repetition_penalty": 1.1}"#)
        XCTAssertEqual(penaltyStatus, 400)
        XCTAssertTrue(penalty.contains("repetition_penalty"), penalty)
        let missing = try await call(base + "/nope").0, wrongMethod = try await call(base + "/v1/models", "{}").0
        XCTAssertEqual(missing, 404)
        XCTAssertEqual(wrongMethod, 405)
        // SIGTERM: exit 0 within 10 s
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<100 where process.isRunning { try await Task.sleep(nanoseconds: 100_000_000) }
        XCTAssertFalse(process.isRunning, "still running 10 s after SIGTERM")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertTrue(log.contains("stopped"), log)
    }

    func test_shutdown_refuses_queued_work_with_503() async throws {
        let server = try await RunningServer()
        server.server.worker.pause()
        let request = Task { try await CallOnce.post(server.url + "/v1/completions", #"{"prompt": [5, 6], "max_tokens": 3}"#) }
        while server.server.worker.queued < 1 { try await Task.sleep(nanoseconds: 5_000_000) }
        await server.stop()
        let (status, body) = try await request.value
        XCTAssertEqual(status, 503)
        XCTAssertTrue(body.contains("shutting down"), body)
    }
}

enum CallOnce {
    static func post(_ url: String, _ body: String) async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
