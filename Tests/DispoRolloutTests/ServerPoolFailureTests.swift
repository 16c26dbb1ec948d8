// The server pool when servers misbehave: retries with back-off after 503s, a server that keeps failing, a
// dead port, a stalled answer past the timeout, a 400 that no retry can fix; and the bound on requests in
// flight (back pressure). Every server is a fake on 127.0.0.1, stopped by the test.

import DispoEngine
import DispoRollout
import DispoServe
import Foundation
import XCTest

final class ServerPoolFailureTests: XCTestCase {
    func pool(_ urls: [String], retries: Int = 2, timeout: Double = 10, inFlight: Int? = nil) throws -> ServerPoolBackend {
        var config = RolloutBackendConfig(kind: .openaiCompletions, urls: urls)
        config.retries = retries
        config.backoffSeconds = 0.01
        config.timeoutSeconds = timeout
        config.maxInFlight = inFlight
        return try ServerPoolBackend(config: config, modelConfig: tinyConfig(), policyRoot: NSTemporaryDirectory())
    }

    func batch(_ prompts: Int) -> RolloutBatch {
        RolloutBatch(prompts: (0..<prompts).map { RolloutPrompt(ids: [1], runSeed: 1, step: 0, prompt: UInt64($0), samples: 1) },
                     parameters: SamplingParameters(maxNewTokens: 4), policyVersion: -1)
    }

    func test_failed_requests_are_retried_until_the_server_answers() async throws {
        let log = FakeLog(failures: 2)
        let fake = try await FakeServer { r in
            log.record(r.path, r.body)
            if log.shouldFail() { return HTTPResponse(status: 503, body: "busy") }
            return HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 1, tokenIDs: true, tokenStrings: false))
        }
        let backend = try pool([fake.url], retries: 2)
        let results = try await backend.generate(batch(1))
        await fake.stop()
        XCTAssertEqual(results[0][0].tokens, FakeAnswers.tokens(0))
        XCTAssertEqual(log.bodies.count, 3)
        XCTAssertEqual(backend.counters.retries, 2)
    }

    func test_a_server_that_keeps_failing_stops_generation_with_its_name_after_the_retries() async throws {
        let log = FakeLog()
        let fake = try await FakeServer { r in log.record(r.path, r.body); return HTTPResponse(status: 500, body: "engine died") }
        do {
            _ = try await pool([fake.url], retries: 2).generate(batch(1))
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertEqual(error.server, fake.url)
            XCTAssertEqual(error.attempts, 3)
            XCTAssertTrue(error.description.contains("HTTP 500: engine died"), error.description)
        }
        await fake.stop()
        XCTAssertEqual(log.bodies.count, 3)
    }

    func test_a_dead_server_is_reported_by_name() async throws {
        // A port that was just free: bind a fake, note its URL, stop it.
        let fake = try await FakeServer { _ in HTTPResponse(status: 200, body: "") }
        let url = fake.url
        await fake.stop()
        do {
            try await pool([url], retries: 1).connect()
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertEqual(error.server, url)
            XCTAssertEqual(error.route, "/health")
            XCTAssertTrue(error.reason.contains("no connection"), error.reason)
        }
    }

    func test_an_answer_slower_than_the_timeout_fails_as_a_timeout() async throws {
        let fake = try await FakeServer { _ in
            try? await Task.sleep(nanoseconds: 1_500_000_000)
            return HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 1, tokenIDs: true, tokenStrings: false))
        }
        let started = Date()
        do {
            _ = try await pool([fake.url], retries: 0, timeout: 0.3).generate(batch(1))
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertTrue(error.reason.contains("no answer in time"), error.reason)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.4)
        await fake.stop()
    }

    func test_a_bad_request_answer_is_not_retried() async throws {
        let log = FakeLog()
        let fake = try await FakeServer { r in log.record(r.path, r.body); return HTTPResponse(status: 400, body: "bad top_k") }
        do {
            _ = try await pool([fake.url], retries: 3).generate(batch(1))
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertEqual(error.attempts, 1)
        }
        await fake.stop()
        XCTAssertEqual(log.bodies.count, 1)
    }

    func test_requests_in_flight_never_exceed_the_limit_and_spread_over_the_pool() async throws {
        let log = FakeLog()
        let handler: HTTPServer.Handler = { r in
            log.enter()
            log.record(r.path, r.body)
            try? await Task.sleep(nanoseconds: 30_000_000)
            log.leave()
            return HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 1, tokenIDs: true, tokenStrings: false))
        }
        let a = try await FakeServer(handler), b = try await FakeServer(handler)
        let results = try await pool([a.url, b.url], inFlight: 3).generate(batch(12))
        await a.stop()
        await b.stop()
        XCTAssertEqual(results.count, 12)
        XCTAssertEqual(log.maxConcurrent, 3)
        let servers = Set(results.flatMap { $0.map(\.server) })
        XCTAssertEqual(servers, [a.url, b.url])
    }
}
