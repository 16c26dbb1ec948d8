// Small fake inference servers on 127.0.0.1 (ephemeral ports) for the client tests: each answers with the
// JSON shapes vLLM and SGLang document, records what it was sent, and can fail or stall on demand. They
// run on DispoServe's HTTPServer (SwiftNIO) and stop with the test.

import DispoRollout
import DispoServe
import DispoSupport
import Foundation
import Synchronization
import XCTest

/// What a fake server saw and how it should behave next.
final class FakeLog: Sendable {
    private let state = Mutex<(bodies: [(String, String)], failures: Int, concurrent: Int, maxConcurrent: Int)>(([], 0, 0, 0))

    init(failures: Int = 0) { state.withLock { $0.failures = failures } }

    func record(_ path: String, _ body: [UInt8]) { state.withLock { $0.bodies.append((path, String(decoding: body, as: UTF8.self))) } }
    var bodies: [(path: String, body: String)] { state.withLock { $0.bodies } }
    /// True when this call should fail (counts the configured failures down).
    func shouldFail() -> Bool { state.withLock { s in defer { s.failures -= 1 }; return s.failures > 0 } }
    func enter() { state.withLock { $0.concurrent += 1; $0.maxConcurrent = max($0.maxConcurrent, $0.concurrent) } }
    func leave() { state.withLock { $0.concurrent -= 1 } }
    var maxConcurrent: Int { state.withLock { $0.maxConcurrent } }
}

/// A running fake; `url` is its base URL.
final class FakeServer: Sendable {
    let server: HTTPServer
    let task: Task<Void, any Error>
    var url: String { "http://127.0.0.1:\(server.port)" }

    init(_ handler: @escaping HTTPServer.Handler) async throws {
        server = try await HTTPServer(host: "127.0.0.1", port: 0, handler: handler)
        let s = server
        task = Task { try await s.run() }
    }

    func stop() async {
        server.shutdown()
        _ = try? await task.value
    }
}

/// Parsed JSON of a recorded request body.
func json(_ text: String) throws -> JSONObjectReader {
    try JSONReader(node: JSONParser.parse(text, file: "request"), file: "request").object()
}

enum FakeAnswers {
    /// Deterministic tokens and log-probs for choice i of a request: ids 10+i, 20+i, 2 (stop); log-probs
    /// with digits that need every bit of a Float.
    static func tokens(_ i: Int) -> [Int32] { [Int32(10 + i), Int32(20 + i), 2] }
    static func logProbs(_ i: Int) -> [Float] { [-0.1234567 - Float(i), -1.0e-7, Float(-3.4028235e+38) / 1e36] }

    /// vLLM ≥ 0.10.2 (`token_ids`), or older vLLM with --return-tokens-as-token-ids ("token_id:N" strings).
    static func vllm(n: Int, tokenIDs: Bool, tokenStrings: Bool) -> String {
        let choices: [JSONOut] = (0..<n).reversed().map { i in
            var logprobs: [(String, JSONOut)] = [("token_logprobs", .array(logProbs(i).map { .double(Double($0)) })),
                                                  ("top_logprobs", .null), ("text_offset", .array([]))]
            if tokenStrings { logprobs.insert(("tokens", .array(tokens(i).map { .string("token_id:\($0)") })), at: 0) }
            var choice: [(String, JSONOut)] = [("index", .int(i)), ("text", .string("x")), ("logprobs", .object(logprobs)),
                                               ("finish_reason", .string("stop")), ("stop_reason", .int(2))]
            if tokenIDs { choice.append(("token_ids", .ints(tokens(i)))) }
            return .object(choice)
        }
        return JSONOut.object([("id", .string("cmpl-1")), ("object", .string("text_completion")), ("created", .int(1)),
                               ("model", .string("m")), ("choices", .array(choices)),
                               ("usage", .object([("prompt_tokens", .int(3)), ("completion_tokens", .int(3 * n)), ("total_tokens", .int(3 + 3 * n))]))]).text
    }

    /// SGLang /generate for a batch of n inputs.
    static func sglang(n: Int) -> String {
        JSONOut.array((0..<n).map { i in
            .object([("text", .string("x")), ("meta_info", .object([
                ("id", .string("r\(i)")), ("prompt_tokens", .int(3)), ("completion_tokens", .int(3)),
                ("finish_reason", .object([("type", .string("stop")), ("matched", .int(2))])),
                ("output_token_logprobs", .array(zip(logProbs(i), tokens(i)).map { .array([.double(Double($0)), .int(Int($1)), .string("t")]) })),
            ]))])
        }).text
    }
}
