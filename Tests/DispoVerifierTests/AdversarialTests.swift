// Adversarial inputs: every megabyte-sized response must grade quickly (the scanners are linear).
import DispoVerifier
import Foundation
import XCTest

final class AdversarialTests: XCTestCase {
    static let megabyte = 1 << 20

    func rep(_ s: String, _ totalBytes: Int = megabyte) -> String {
        String(repeating: s, count: max(1, totalBytes / max(1, s.utf8.count)))
    }

    func assertFast(_ response: String, gold: String = "5", file: StaticString = #filePath, line: UInt = #line) {
        let start = Date()
        _ = MathVerifier.grade(response: response, gold: gold)
        _ = MathVerifier.grade(response: "\\boxed{5}", gold: response)   // a hostile gold too
        let seconds = Date().timeIntervalSince(start)
        XCTAssertLessThan(seconds, 2.0, "took \(seconds) s", file: file, line: line)
    }

    func test_many_open_boxes_without_closing() { assertFast(rep("\\boxed{")) }
    func test_deeply_nested_braces_inside_a_box() {
        assertFast("\\boxed{" + rep("{", Self.megabyte / 2) + rep("}", Self.megabyte / 2) + "}")
    }
    func test_nested_open_then_one_close() { assertFast(rep("\\boxed{{") + "}") }
    func test_long_digit_run() { assertFast("\\boxed{" + rep("9") + "}") }
    func test_many_equals() { assertFast("\\boxed{x" + rep("=") + "5}") }
    func test_many_equals_unboxed() { assertFast("Answer: " + rep("=1")) }
    func test_many_answer_labels() { assertFast(rep("Answer:")) }
    func test_many_answer_labels_then_whitespace() { assertFast(rep("answer: \n")) }
    func test_many_colons_after_spaces() { assertFast(rep("answer       :")) }
    func test_partial_the_answer_is() { assertFast(rep("the answer i")) }
    func test_many_hashes() { assertFast(rep("###")) }
    func test_many_text_commands() { assertFast("\\boxed{" + rep("\\text{") + "}") }
    func test_many_fracs() { assertFast("\\boxed{" + rep("\\frac") + "}") }
    func test_many_sqrt_and_powers() { assertFast("\\boxed{" + rep("\\sqrt{2^") + "}") }
    func test_long_list() { assertFast("\\boxed{" + rep("1,") + "1}") }
    func test_long_tuple() { assertFast("\\boxed{(" + rep("1,") + "1)}") }
    func test_many_unions() { assertFast("\\boxed{" + rep("(1,2)\\cup") + "(1,2)}") }
    func test_many_parentheses() { assertFast("\\boxed{" + rep("(") + "}") }
    func test_many_plus_minus() { assertFast("\\boxed{" + rep("1\\pm") + "1}") }
    func test_many_dollars() { assertFast(rep("$")) }
    func test_commands_and_spaces() { assertFast("\\boxed{" + rep("\\pi       ") + "x}") }
    func test_many_matrix_rows() { assertFast("\\boxed{\\begin{pmatrix}" + rep("1&\\\\") + "\\end{pmatrix}}") }
    func test_long_unicode() { assertFast("\\boxed{" + rep("π√−∞") + "}") }
    func test_x_in_prefixes() { assertFast("\\boxed{" + rep("x\\in") + "}") }
    func test_nested_fractions() { assertFast("\\boxed{" + rep("\\frac{", 300_000) + "1" + rep("}{2}", 300_000) + "}") }
}

/// The normaliser itself (no length cap) is linear too: hostile answers of 64 KB normalise quickly even in
/// a debug build.
final class NormalizerLinearityTests: XCTestCase {
    func test_hostile_answers_normalise_quickly() {
        let size = 64 * 1024
        for unit in ["{", "}", "\\frac", "\\text{", "\\sqrt{2^", "1,", "(1,2)\\cup", "x=", "\\pi  ", "π√", "1\\pm", "x\\in", "{,}"] {
            let text = String(repeating: unit, count: size / unit.utf8.count)
            let start = Date()
            _ = AnswerNormalizer.normalize(text)
            _ = MathVerifier.equivalentNormalized(text, text + "1")
            XCTAssertLessThan(Date().timeIntervalSince(start), 1.0, "unit \(unit)")
        }
    }
}
