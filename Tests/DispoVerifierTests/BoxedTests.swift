// Boxed: last \boxed{} content with nested braces.
import DispoVerifier
import Foundation
import XCTest

final class BoxedTests: XCTestCase {
    func test_takes_last_boxed_with_nested_braces() {
        XCTAssertEqual(Boxed.lastContent(in: "so \\boxed{1} and then \\boxed{\\frac{1}{2}}."), "\\frac{1}{2}")
        XCTAssertEqual(Boxed.lastContent(in: "\\fbox{ 7 }"), " 7 ")
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed 5$"), "5")
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed{\\{1,2\\}}"), "\\{1,2\\}")
    }

    func test_unbalanced_or_missing_gives_nil() {
        XCTAssertNil(Boxed.lastContent(in: "no answer here"))
        XCTAssertNil(Boxed.lastContent(in: "\\boxed{\\frac{1}{2}"))
        XCTAssertNil(Boxed.lastContent(in: "\\boxedx{3}"))
    }

    func test_unbalanced_last_box_falls_back_to_an_earlier_balanced_one() {
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed{4} then \\boxed{5"), "4")
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed {5}"), "5")
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed{a}\\fbox{b}"), "b")
        XCTAssertEqual(Boxed.lastContent(in: "π = \\boxed{\\pi}"), "\\pi")
    }

    func test_many_unclosed_boxes_are_linear() {
        let text = "\\boxed{1}" + String(repeating: "\\boxed{", count: 100_000)
        let start = Date()
        XCTAssertEqual(Boxed.lastContent(in: text), "1")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func test_long_adversarial_input_is_linear() {
        let text = String(repeating: "\\boxed{", count: 20_000) + String(repeating: "}", count: 19_999)
        let start = Date()
        _ = Boxed.lastContent(in: text)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
