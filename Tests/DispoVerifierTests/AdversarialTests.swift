// Adversarial inputs: each hostile response (and hostile gold) gets the verdict it should, and the work of
// grading it — the steps `MathVerifier.gradeCountingWork` counts: bytes scanned, nodes evaluated, elements
// compared — grows linearly with its size. Counting steps instead of timing keeps the check exact in a debug
// build and on a busy machine; `dispo bench verifier` measures the speed.
import DispoVerifier
import Foundation
import XCTest

final class AdversarialTests: XCTestCase {
    static let small = 16 * 1024, large = 64 * 1024
    /// Steps per input byte allowed, beyond the comparison's own cap (answers are compared only up to 4 KB).
    static let stepsPerByte = 64
    static let comparisonAllowance = 2_000_000

    static func rep(_ s: String, _ totalBytes: Int) -> String {
        String(repeating: s, count: max(1, totalBytes / max(1, s.utf8.count)))
    }

    /// (name, response of about n bytes, expected reason) — graded against gold "5", all incorrect.
    static let responses: [(String, @Sendable (Int) -> String, String)] = [
        ("many open boxes", { rep("\\boxed{", $0) }, "no answer found"),
        ("deeply nested braces in a box", { "\\boxed{" + rep("{", $0 / 2) + rep("}", $0 / 2) + "}" }, "answer too long"),
        ("nested opens then one close", { rep("\\boxed{{", $0) + "}" }, "no answer found"),
        ("one closed box then unclosed ones", { "\\boxed{1}" + rep("\\boxed{", $0) }, "mismatch"),
        ("opens then closes", { rep("\\boxed{", $0 / 2) + rep("}", $0 / 2) }, "empty answer"),   // the last box is the innermost
        ("long digit run", { "\\boxed{" + rep("9", $0) + "}" }, "answer too long"),
        ("many equals", { "\\boxed{x" + rep("=", $0) + "5}" }, "answer too long"),
        ("many equals unboxed", { "Answer: " + rep("=1", $0) }, "answer too long"),
        ("many answer labels", { rep("Answer:", $0) }, "answer too long"),
        ("answer labels then whitespace", { rep("answer: \n", $0) }, "mismatch"),
        ("colons after spaces", { rep("answer       :", $0) }, "answer too long"),
        ("partial the-answer-is", { rep("the answer i", $0) }, "no answer found"),
        ("answer words and numbers", { rep("answer 1 ", $0) }, "mismatch"),
        ("many hashes", { rep("###", $0) }, "no answer found"),
        ("text commands", { "\\boxed{" + rep("\\text{", $0) + "}" }, "no answer found"),   // the box never closes
        ("fractions", { "\\boxed{" + rep("\\frac", $0) + "}" }, "answer too long"),
        ("roots and powers", { "\\boxed{" + rep("\\sqrt{2^", $0) + "}" }, "no answer found"),
        ("long list", { "\\boxed{" + rep("1,", $0) + "1}" }, "answer too long"),
        ("many unions", { "\\boxed{" + rep("(1,2)\\cup", $0) + "(1,2)}" }, "answer too long"),
        ("many dollars", { rep("$", $0) }, "no answer found"),
        ("many one-number spans", { rep("$1$ ", $0) }, "mismatch"),
        ("unclosed display math", { rep("\\[ 1 ", $0) }, "mismatch"),
        ("final answer phrases", { rep("final answer is ", $0) }, "no answer found"),
        ("many listed boxes", { rep("\\boxed{1}, ", $0) }, "mismatch"),
        ("unicode", { "\\boxed{" + rep("π√−∞", $0) + "}" }, "answer too long"),
        ("aligned lines", { "$\\begin{aligned}" + rep("x &= 1 \\\\ ", $0) + "\\end{aligned}$" }, "mismatch"),
    ]

    func test_hostile_responses_get_their_verdict_with_linear_work() {
        var worst = (ratio: 0.0, name: "")
        defer { print(String(format: "most steps per byte: %.1f (%@)", worst.ratio, worst.name)) }
        for (name, make, reason) in Self.responses {
            var work: [Int] = []
            for n in [Self.small, Self.large] {
                // Given a hostile response of n bytes, When graded against 5
                let response = make(n)
                let (verdict, steps) = MathVerifier.gradeCountingWork(response: response, gold: "5")
                // Then it is incorrect for the expected reason, in at most linear work
                XCTAssertFalse(verdict.correct, name)
                XCTAssertEqual(verdict.reason, reason, name)
                XCTAssertLessThanOrEqual(steps, Self.stepsPerByte * response.utf8.count + Self.comparisonAllowance, name)
                work.append(steps)
                if Double(steps) / Double(response.utf8.count) > worst.ratio { worst = (Double(steps) / Double(response.utf8.count), name) }
            }
            // And four times the input takes at most about four times the work
            XCTAssertLessThanOrEqual(work[1], 5 * work[0] + Self.comparisonAllowance, name)
        }
    }

    func test_hostile_golds_get_their_verdict_with_linear_work() {
        for (name, make, _) in Self.responses {
            let gold = make(Self.large)
            let (verdict, steps) = MathVerifier.gradeCountingWork(response: "\\boxed{5}", gold: gold)
            XCTAssertFalse(verdict.correct, name)
            XCTAssertLessThanOrEqual(steps, Self.stepsPerByte * gold.utf8.count + Self.comparisonAllowance, name)
        }
    }
}

/// Answers just under the 4 KB cap are compared in full: nested lists, unions, sums and expressions of that
/// size get a verdict within the comparison's cap of steps.
final class HostileAnswerTests: XCTestCase {
    func test_hostile_answers_at_the_size_cap_are_compared_within_the_step_cap() {
        let size = MathVerifier.maxAnswerBytes - 16
        let units = ["{", "}", "\\frac", "\\text{", "\\sqrt{2^", "1,", "(1,2)\\cup", "x=", "\\pi  ", "π√", "1\\pm", "x\\in",
                     "{,}", "(1,(2,", "\\{1,\\{2,", "x+", "x^", "|x", "1<", "\\sin", "a,b,"]
        for unit in units {
            let text = String(repeating: unit, count: size / unit.utf8.count)
            // When a response boxes it and the gold is the same with one more element
            let (verdict, steps) = MathVerifier.gradeCountingWork(response: "\\boxed{\(text)}", gold: text + "1")
            // Then the comparison stays within its cap, and the answer is not taken for the gold
            XCTAssertLessThanOrEqual(steps, 2_000_000, "unit \(unit)")
            XCTAssertNotEqual(verdict.reason, "match: string", "unit \(unit)")
            // And the same answer against itself is correct, when its braces balance (else there is no box)
            let plain = unit.replacingOccurrences(of: "\\{", with: "").replacingOccurrences(of: "\\}", with: "")
            let balanced = plain.filter { $0 == "{" }.count == plain.filter { $0 == "}" }.count
            XCTAssertEqual(MathVerifier.grade(response: "\\boxed{\(text)}", gold: text).correct, balanced, "unit \(unit)")
        }
    }
}
