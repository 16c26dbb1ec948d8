// Every MATH-500 gold answer, boxed in a response, grades correct against itself and incorrect against
// a different problem's (different) answer. Reads ../shared/data/math/math500/test.jsonl.
import DispoVerifier
import DispoSupport
import Foundation
import XCTest

final class Math500Tests: XCTestCase {
    func test_math500_gold_answers_match_themselves_and_not_others() throws {
        // Given the 500 gold answers
        let url = try TestPaths.shared("data/math/math500/test.jsonl",
                                       test: "test_math500_gold_answers_match_themselves_and_not_others")
        let answers = try TestPaths.jsonLines(url).map { try XCTUnwrap($0["answer"]?.string) }
        XCTAssertEqual(answers.count, 500)
        var failures: [String] = []
        for (k, answer) in answers.enumerated() {
            let response = "Working through the problem carefully.\nThe final answer is $\\boxed{\(answer)}$."
            // When graded against itself, Then correct
            let own = MathVerifier.grade(response: response, gold: answer)
            if !own.correct { failures.append("#\(k) self: \(answer) → \(own.reason)") }
            // When graded against the next problem with a different answer, Then incorrect
            // (`x=5` and `5` are the same answer: an assignment answers its value)
            var j = (k + 1) % answers.count
            while value(answers[j]) == value(answer) {
                j = (j + 1) % answers.count
            }
            let other = MathVerifier.grade(response: response, gold: answers[j])
            if other.correct { failures.append("#\(k) vs #\(j): \(answer) ≡ \(answers[j]) (\(other.reason))") }
        }
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    /// The normalised answer without a leading `name=`.
    func value(_ answer: String) -> String {
        let normalized = AnswerNormalizer.normalize(answer)
        guard let eq = normalized.firstIndex(of: "="), normalized[..<eq].allSatisfy(\.isLetter) else { return normalized }
        return String(normalized[normalized.index(after: eq)...])
    }

    func test_math500_answers_with_the_last_digit_changed_do_not_match() throws {
        // Given each gold answer with a digit (units with powers aside: `cm^2` vs `cm^3` is not checked)
        let url = try TestPaths.shared("data/math/math500/test.jsonl",
                                       test: "test_math500_answers_with_the_last_digit_changed_do_not_match")
        var failures: [String] = [], checked = 0
        for row in try TestPaths.jsonLines(url) {
            let answer = try XCTUnwrap(row["answer"]?.string)
            guard !answer.contains("\\mbox"), let k = answer.utf8.lastIndex(where: { $0 >= 48 && $0 <= 57 }) else { continue }
            // When its last digit d becomes (d + 1) mod 10
            var bytes = Array(answer.utf8)
            let at = answer.utf8.distance(from: answer.utf8.startIndex, to: k)
            bytes[at] = 48 + (bytes[at] - 48 + 1) % 10
            let changed = String(decoding: bytes, as: UTF8.self)
            checked += 1
            // Then it no longer matches
            let verdict = MathVerifier.grade(response: "\\boxed{\(changed)}", gold: answer)
            if verdict.correct { failures.append("\(changed) ≡ \(answer) (\(verdict.reason))") }
        }
        XCTAssertGreaterThan(checked, 450)
        XCTAssertTrue(failures.isEmpty, failures.joined(separator: "\n"))
    }

    func test_aime_amc_gsm8k_golds_match_themselves() throws {
        for file in ["aime24/test.jsonl", "aime25/test.jsonl", "amc23/test.jsonl", "gsm8k/test.jsonl"] {
            let url = try TestPaths.shared("data/math/" + file, test: "test_aime_amc_gsm8k_golds_match_themselves")
            for row in try TestPaths.jsonLines(url) {
                let gold = row["answer"].map { $0.string ?? JSONWriter.text($0) } ?? ""
                let final = gold.components(separatedBy: "####").last!.trimmingCharacters(in: .whitespaces)
                let verdict = MathVerifier.grade(response: "So the answer is \\boxed{\(final)}.", gold: gold)
                XCTAssertTrue(verdict.correct, "\(file): \(final) vs \(gold.suffix(40)): \(verdict.reason)")
            }
        }
    }
}
