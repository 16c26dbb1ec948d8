// The grading-pairs fixture: hundreds of (response, gold, expected) pairs written from the documented
// behaviour of math-verify, the Qwen2.5-Math grader and verl's math_dapo (Fixtures/grading-pairs.jsonl).
import DispoVerifier
import DispoSupport
import Foundation
import XCTest

final class GradingPairsTests: XCTestCase {
    func test_every_fixture_pair_grades_as_expected() throws {
        // Given the fixture
        let rows = try TestPaths.jsonLines(TestPaths.fixtures.appendingPathComponent("grading-pairs.jsonl"))
        XCTAssertGreaterThan(rows.count, 300)
        var failures: [String] = []
        // When each pair is graded
        for (n, row) in rows.enumerated() {
            let response = try XCTUnwrap(row["response"]?.string)
            let gold = try XCTUnwrap(row["gold"]?.string)
            let expected = try XCTUnwrap(row["correct"]?.bool)
            let verdict = MathVerifier.grade(response: response, gold: gold)
            if verdict.correct != expected {
                failures.append("line \(n + 1) [\(row["note"]?.string ?? "")]: expected \(expected), got \(verdict) for gold \(gold)")
            }
        }
        // Then none disagrees
        XCTAssertTrue(failures.isEmpty, "\(failures.count) disagreements:\n" + failures.joined(separator: "\n"))
    }
}
