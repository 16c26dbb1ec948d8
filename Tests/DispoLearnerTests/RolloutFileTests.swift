// Rollout JSONL: round trip, defaults, and the errors a malformed line gets.
import DispoLearner
import DispoSupport
import Foundation
import XCTest

final class RolloutFileTests: XCTestCase {
    private func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "rollouts-\(UUID().uuidString).jsonl"
        try AtomicFile.write(text, to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func test_round_trip_and_defaults() throws {
        let rollouts = [
            Rollout(promptIDs: [1, 2], responseIDs: [3, 4, 5], oldLogProbs: [-0.5, -1, -0.25], reward: 1, group: .label("7")),
            Rollout(promptIDs: [1, 2], responseIDs: [6], oldLogProbs: [-2], reward: -1, group: .label("p-\"x\"\\\n"), correct: true,
                    truncated: true, masked: true, version: 4),
        ]
        let path = try write(try rollouts.map(RolloutFile.line).joined(separator: "\n") + "\n\n")
        XCTAssertEqual(try RolloutFile.read(path), rollouts)
        let minimal = try write(#"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[-1],"reward":-1,"group":3}"#)
        let r = try RolloutFile.read(minimal)[0]
        XCTAssertEqual(r.correct, false)
        XCTAssertEqual(r.truncated, false)
        XCTAssertEqual(r.masked, false)
        XCTAssertNil(r.version)
        XCTAssertEqual(r.group, .label("3"))
    }

    func test_errors_name_line_and_field() throws {
        let good = #"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[-1],"reward":1,"group":0}"#
        let cases: [(String, String)] = [
            (#"{"prompt_ids":[1],"response_ids":[2,3],"old_logprobs":[-1],"reward":1,"group":0}"#,
             "$.old_logprobs (line 2): expected 2 values (one per response token), found 1 values"),
            (#"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[0.5],"reward":1,"group":0}"#,
             "$.old_logprobs[0] (line 2): expected a log-probability (≤ 0)"),
            (#"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[-1],"group":0}"#, "expected a key \"reward\""),
            (#"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[-1],"reward":1,"group":0,"rewrd":2}"#,
             "$.rewrd (line 2): expected one of the keys"),
            (#"{"prompt_ids":[-1],"response_ids":[2],"old_logprobs":[-1],"reward":1,"group":0}"#, "$.prompt_ids[0] (line 2)"),
            (#"{"prompt_ids":[1], "#, "line 2: expected"),
        ]
        for (bad, expected) in cases {
            let path = try write(good + "\n" + bad + "\n")
            XCTAssertThrowsError(try RolloutFile.read(path), bad) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error) should contain \(expected)")
            }
        }
        XCTAssertThrowsError(try RolloutFile.read(try write("\n"))) { XCTAssertTrue("\($0)".contains("at least one rollout")) }
    }
}
