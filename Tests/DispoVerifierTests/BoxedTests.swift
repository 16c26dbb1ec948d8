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

    // (The work of these on long hostile input is counted in AdversarialTests.)
    func test_many_unclosed_boxes_fall_back_to_the_closed_one() {
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed{1}" + String(repeating: "\\boxed{", count: 1000)), "1")
    }

    func test_nested_boxes_give_the_last_box_which_is_the_innermost() {
        let text = String(repeating: "\\boxed{", count: 200) + String(repeating: "}", count: 199)
        XCTAssertEqual(Boxed.lastContent(in: text), "")
        XCTAssertEqual(Boxed.lastContent(in: "\\boxed{1+\\boxed{2}}"), "2")
    }
}
