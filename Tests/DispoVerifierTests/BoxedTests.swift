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

    func test_long_adversarial_input_is_linear() {
        let text = String(repeating: "\\boxed{", count: 20_000) + String(repeating: "}", count: 19_999)
        let start = Date()
        _ = Boxed.lastContent(in: text)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
