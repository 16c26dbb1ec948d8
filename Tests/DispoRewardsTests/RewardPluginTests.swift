// Reward plugins as a user writes them (small shell and Python programs): answers, bounded concurrency,
// and the three ways a plugin goes wrong — it crashes, hangs, or answers garbage — each an error naming the
// plugin and the request, or with on_error "score" a counted failure; a fresh process takes over after one.
import DispoRewards
import DispoSupport
import DispoVerifier
import Foundation
import XCTest

final class RewardPluginTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    private func script(_ body: String) throws -> String {
        let path = NSTemporaryDirectory() + "reward-\(UUID().uuidString).sh"
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private static func request(_ response: String, answer: String = "4", sample: Int = 0) -> RewardRequest {
        RewardRequest(prompt: "2+2=", response: response, answer: answer,
                      metadata: .init(problemID: "p7", problemIndex: 7, step: 3, sample: sample))
    }

    private let base = ResponseScorer().score(response: "2+2=4. \\boxed{4}", gold: "4")

    func test_python_example_plugin_scores_and_reports_components() async throws {
        let python = try XCTUnwrap(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) })
        let plugin = try CommandRewardPlugin(name: "example", command: [python, Self.repo + "/Tools/reward_plugin_example.py"],
                                             timeout: 30, workers: 2)
        defer { plugin.shutdown() }
        let replies = try await withThrowingTaskGroup(of: (Int, RewardReply).self) { group in
            for i in 0..<6 { group.addTask { (i, try await plugin.score(Self.request(i % 2 == 0 ? "2+2=4" : "it is 5", sample: i))) } }
            var out: [Int: RewardReply] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for i in 0..<6 {
            let r = try XCTUnwrap(replies[i])
            XCTAssertEqual(r.reward, i % 2 == 0 ? 1 : -1)
            XCTAssertEqual(r.correct, i % 2 == 0)
            XCTAssertEqual(r.components?["shows_work"], i % 2 == 0 ? 1 : 0)
        }
    }

    func test_a_crashing_plugin_is_an_error_naming_it_and_the_request_and_is_restarted() async throws {
        // Answers the first request of each process, then exits.
        let path = try script("read line; echo '{\"reward\": 0.5}'; exit 3\n")
        let plugin = try CommandRewardPlugin(name: "flaky", command: [path], timeout: 10, workers: 1)
        defer { plugin.shutdown() }
        let first = try await plugin.score(Self.request("x"))
        XCTAssertEqual(first.reward, 0.5)
        do {
            _ = try await plugin.score(Self.request("y", sample: 1))
            XCTFail("expected an error")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("reward plugin flaky"), text)
            XCTAssertTrue(text.contains("problem p7 (record 7), step 3, sample 1"), text)
            XCTAssertTrue(text.contains("exited") || text.contains("could not send"), text)
        }
        // The next request gets a fresh process.
        let again = try await plugin.score(Self.request("z"))
        XCTAssertEqual(again.reward, 0.5)
    }

    func test_a_hanging_plugin_times_out() async throws {
        let path = try script("read line; sleep 30\n")
        let plugin = try CommandRewardPlugin(name: "slow", command: [path], timeout: 0.5, workers: 1)
        defer { plugin.shutdown() }
        let started = Date()
        do {
            _ = try await plugin.score(Self.request("x"))
            XCTFail("expected a timeout")
        } catch {
            XCTAssertTrue("\(error)".contains("no answer within 0.5 s"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func test_garbage_answers_are_errors_or_counted_failures() async throws {
        let path = try script("while read line; do echo 'not json'; done\n")
        let failing = try CommandRewardPlugin(name: "garbage", command: [path], timeout: 10, workers: 1)
        defer { failing.shutdown() }
        do {
            _ = try await failing.score(Self.request("x"))
            XCTFail("expected an error")
        } catch {
            XCTAssertTrue("\(error)".contains("answered \"not json\""), "\(error)")
        }
        // As a component with on_error "score": the failure reward, counted.
        var component = RewardComponentConfig(kind: .command, weight: 2)
        component.command = [path]
        component.onError = .score
        component.failureReward = -0.25
        let combined = try CombinedReward(RewardSelection(components: [RewardComponentConfig(kind: .math), component]))
        defer { combined.shutdown() }
        let score = try await combined.score(RewardInput(request: Self.request("2+2=4. \\boxed{4}"), length: 8), base: base)
        XCTAssertEqual(score.reward, 1 + 2 * -0.25)
        XCTAssertEqual(combined.failures, ["command": 1])
    }

    func test_weighted_components_sum_with_their_names() async throws {
        var length = RewardComponentConfig(kind: .length, weight: 0.5)
        length.target = 10
        let combined = try CombinedReward(RewardSelection(components: [RewardComponentConfig(kind: .math),
                                                                       RewardComponentConfig(kind: .format, weight: 0.1), length]))
        let score = try await combined.score(RewardInput(request: Self.request("2+2=4. \\boxed{4}"), length: 15), base: base)
        XCTAssertEqual(score.components, ["math": 1, "format": 1, "length": -0.5])
        XCTAssertEqual(score.reward, 1 + 0.1 - 0.25, accuracy: 1e-12)
        XCTAssertTrue(score.correct)
    }

    func test_reward_selection_reads_all_three_forms_and_checks_them() throws {
        func decode(_ json: String) throws -> RewardSelection {
            let selection = try StrictJSONDecoder().decode(RewardSelection.self, from: JSONParser.parse(json, file: "s.json"), file: "s.json")
            try selection.validate(file: "s.json")
            return selection
        }
        XCTAssertEqual(try decode(#"{"correct": 2}"#).values.correct, 2)
        XCTAssertNil(try decode(#"{"correct": 2}"#).components)
        XCTAssertEqual(try decode(#"{"kind": "http", "url": "http://127.0.0.1:9/r"}"#).components?.first?.kind, .http)
        let two = try decode(#"[{"kind": "math"}, {"kind": "command", "command": ["python3", "r.py"], "weight": 0.5, "on_error": "score"}]"#)
        XCTAssertEqual(two.componentNames, ["math", "command"])
        XCTAssertEqual(try decode(#"[{"kind": "math"}, {"kind": "math", "correct": 3}]"#).componentNames, ["math", "math_2"])
        XCTAssertThrowsError(try decode(#"[{"kind": "math", "name": "r"}, {"kind": "format", "name": "r"}]"#)) {
            XCTAssertTrue("\($0)".contains("distinct component names"), "\($0)")
        }
        XCTAssertThrowsError(try decode(#"[{"kind": "length"}]"#)) { XCTAssertTrue("\($0)".contains("target"), "\($0)") }
        XCTAssertThrowsError(try decode(#"[{"kind": "command", "command": ["x"], "workers": 0}]"#)) {
            XCTAssertTrue("\($0)".contains("$[0].workers"), "\($0)")
        }
        XCTAssertThrowsError(try decode(#"{"kind": "math", "weigth": 1}"#)) { XCTAssertTrue("\($0)".contains("weigth"), "\($0)") }
    }
}
