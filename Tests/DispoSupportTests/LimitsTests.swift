// Limits: range checks name the place and the documented range; sizes from input are multiplied and added
// with overflow reported as an error, never a trap.
import DispoSupport
import XCTest

final class LimitsTests: XCTestCase {
    func test_check_names_place_range_and_value() {
        XCTAssertThrowsError(try Limits.check(1_000_000_000, Limits.samples, file: "spec.json", place: "$.rollout.group_size")) {
            XCTAssertEqual("\($0)", "spec.json: $.rollout.group_size: expected a whole number in [1, 65536], found 1000000000")
        }
        XCTAssertNoThrow(try Limits.check(65_536, Limits.samples, file: "f", place: "p"))
        XCTAssertThrowsError(try Limits.check(0, 0...10, lowerOpen: true, file: "f", place: "--lr")) {
            XCTAssertTrue("\($0)".contains("expected a number in (0.0, 10.0]"), "\($0)")
        }
        XCTAssertThrowsError(try Limits.check(.nan, 0...10, file: "f", place: "--lr"))
        XCTAssertThrowsError(try Limits.check(.infinity, 0...Double.infinity, file: "f", place: "--lr"))
    }

    func test_product_and_sum_report_overflow_instead_of_trapping() {
        XCTAssertEqual(try Limits.product(1 << 20, 1 << 20, file: "f", place: "p", what: "bytes"), 1 << 40)
        XCTAssertThrowsError(try Limits.product(1 << 62, 1 << 62, file: "f", place: "p", what: "bytes")) {
            XCTAssertTrue("\($0)".contains("beyond what a 64-bit integer holds"), "\($0)")
        }
        XCTAssertThrowsError(try Limits.product(1000, 1000, limit: 999_999, file: "f", place: "p", what: "responses")) {
            XCTAssertTrue("\($0)".contains("expected responses of at most 999999, found 1000 × 1000 = 1000000"), "\($0)")
        }
        XCTAssertThrowsError(try Limits.sum(Int.max, 1, file: "f", place: "p", what: "tokens"))
    }
}
