// Verdicts, rewards, the combined scorer, and the JSONL grading loop behind `dispo grade`.
import DispoSupport
import DispoVerifier
import Foundation
import XCTest

final class VerdictAndRewardTests: XCTestCase {
    func test_verdict_reasons() {
        XCTAssertEqual(MathVerifier.grade(response: "\\boxed{5}", gold: "5"),
                       Verdict(correct: true, extracted: "5", reason: "match: string"))
        XCTAssertEqual(MathVerifier.grade(response: "\\boxed{6}", gold: "5"),
                       Verdict(correct: false, extracted: "6", reason: "mismatch"))
        XCTAssertEqual(MathVerifier.grade(response: "it is five", gold: "5"),
                       Verdict(correct: false, extracted: nil, reason: "no answer found"))
        XCTAssertEqual(MathVerifier.grade(response: "\\boxed{}", gold: "5").reason, "empty answer")
        XCTAssertEqual(MathVerifier.grade(response: "\\boxed{5}", gold: " ").reason, "empty gold answer")
    }

    func test_rewards_default_and_configured() throws {
        let rewards = RewardConfig()
        XCTAssertEqual(rewards.reward(for: Verdict(correct: true, extracted: "1", reason: "match: string")), 1)
        XCTAssertEqual(rewards.reward(for: Verdict(correct: false, extracted: "1", reason: "mismatch")), -1)
        XCTAssertEqual(rewards.reward(for: Verdict(correct: false, extracted: nil, reason: "no answer found")), -1)
        let custom = try StrictJSONDecoder().decode(RewardConfig.self, fromText: #"{"correct": 1, "incorrect": 0, "no_answer": -0.5}"#)
        XCTAssertEqual(custom, RewardConfig(correct: 1, incorrect: 0, noAnswer: -0.5))
        XCTAssertEqual(custom.reward(for: Verdict(correct: false, extracted: nil, reason: "no answer found")), -0.5)
        XCTAssertEqual(custom.reward(for: Verdict(correct: false, extracted: "", reason: "empty answer")), -0.5)
        XCTAssertThrowsError(try RewardConfig(noAnswer: .nan).validate(file: "r.json")) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.no_answer")
        }
    }
}

final class ResponseScorerTests: XCTestCase {
    func test_overlong_penalty_is_added_and_truncation_masked() {
        let config = ScoringConfig(overlong: OverlongConfig(maxLength: 8, buffer: 4, factor: 1, maskTruncated: true))
        let scorer = ResponseScorer(config: config)
        let score = scorer.score(response: "\\boxed{5}", gold: "5", length: 6)
        XCTAssertEqual(score.reward, 0.5, accuracy: 1e-12)
        XCTAssertFalse(score.truncated)
        let cut = scorer.score(response: "so far", gold: "5", length: 8, endedWithEOS: false)
        XCTAssertTrue(cut.truncated)
        XCTAssertTrue(cut.maskedFromLoss)
        XCTAssertEqual(cut.reward, -2, accuracy: 1e-12)
    }

    func test_repetition_actions() {
        let looping = "\\boxed{5} " + String(repeating: "and again ", count: 300) + "\\boxed{5}"
        let metric = ResponseScorer().score(response: looping, gold: "5")
        XCTAssertTrue(metric.repetition.isRepetitive)
        XCTAssertEqual(metric.reward, 1)
        let penalty = ResponseScorer(config: ScoringConfig(repetition: RepetitionConfig(action: .penalty, penalty: -0.5)))
            .score(response: looping, gold: "5")
        XCTAssertEqual(penalty.reward, 0.5)
        let incorrect = ResponseScorer(config: ScoringConfig(repetition: RepetitionConfig(action: .incorrect)))
            .score(response: looping, gold: "5")
        XCTAssertEqual(incorrect.verdict, Verdict(correct: false, extracted: "5", reason: "repetitive"))
        XCTAssertEqual(incorrect.reward, -1)
    }

    func test_scoring_config_validation_names_the_nested_field() throws {
        let json = #"{"reward": {"correct": 2}, "overlong": {"max_length": 8, "buffer": 20}}"#
        let config = try StrictJSONDecoder().decode(ScoringConfig.self, fromText: json)
        XCTAssertEqual(config.reward.values.correct, 2)
        XCTAssertThrowsError(try config.validate(file: "p.json")) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.overlong.buffer")
        }
    }
}

final class GradeJSONLTests: XCTestCase {
    func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "grade-\(UUID().uuidString).jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func test_one_verdict_per_line_and_a_summary() throws {
        // Given three rows: correct, wrong, no answer (gold given as a JSON number)
        let path = try temporaryFile("""
            {"response": "so \\\\boxed{27}", "answer": 27.0}
            {"response": "Answer: 3", "answer": "4"}

            {"response": "hmm", "answer": "\\\\frac{1}{2}"}
            """)
        var lines: [String] = []
        // When graded
        let summary = try GradeJSONL.grade(path: path) { lines.append($0) }
        // Then
        XCTAssertEqual(lines, [
            #"{"correct":true,"extracted":"27","reason":"match: string","reward":1}"#,
            #"{"correct":false,"extracted":"3","reason":"mismatch","reward":-1}"#,
            #"{"correct":false,"extracted":null,"reason":"no answer found","reward":-1}"#,
        ])
        XCTAssertEqual(summary.jsonLine, #"{"total":3,"correct":1,"accuracy":0.3333333333333333,"no_answer":1}"#)
    }

    func test_custom_fields_and_bad_lines_name_file_and_line() throws {
        let path = try temporaryFile("{\"out\": \"\\\\boxed{1}\", \"gold\": \"1\"}\n{not json}\n")
        XCTAssertThrowsError(try GradeJSONL.grade(path: path, responseField: "out", answerField: "gold") { _ in }) {
            let error = $0 as? InputError
            XCTAssertEqual(error?.file, path)
            XCTAssertEqual(error?.place, "line 2")
        }
        XCTAssertThrowsError(try GradeJSONL.grade(path: path) { _ in }) {
            XCTAssertEqual(($0 as? InputError)?.place, "line 1")
            XCTAssertTrue("\($0)".contains("--response-field"))
        }
        XCTAssertThrowsError(try GradeJSONL.grade(path: path + ".missing") { _ in }) {
            XCTAssertEqual(($0 as? InputError)?.file, path + ".missing")
        }
    }

    func test_verdict_line_escapes_text() {
        let line = GradeJSONL.verdictLine(Verdict(correct: false, extracted: "a\"b\\c\nd", reason: "mismatch"), reward: -0.5)
        XCTAssertEqual(line, #"{"correct":false,"extracted":"a\"b\\c\nd","reason":"mismatch","reward":-0.5}"#)
        XCTAssertEqual(try JSONValue.parse(line)["extracted"]?.string, "a\"b\\c\nd")
    }
}
