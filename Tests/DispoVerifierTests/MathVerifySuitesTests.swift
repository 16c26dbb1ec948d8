// Agreement with math-verify on the suites of Fixtures/verifier-suites.jsonl (written by
// Tools/make_verifier_suites.py, which labels every case by running math-verify): per kind and overall
// ≥ 95%, and each case marked `differs` (a deliberate difference, listed in docs/VERIFIER.md) must really
// get the other verdict.
import DispoSupport
import DispoVerifier
import Foundation
import XCTest

final class MathVerifySuitesTests: XCTestCase {
    struct Case {
        var kind: String
        var gold: String
        var response: String
        var mathVerify: Bool
        var note: String
        var differs: String?
    }

    static func cases() throws -> [Case] {
        let path = TestPaths.fixtures.appendingPathComponent("verifier-suites.jsonl").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").enumerated().map { n, line in
            let object = try JSONReader(node: JSONParser.parse(String(line), file: path, firstLine: n + 1), file: path).object()
            let row = Case(kind: try object.required("kind").string(), gold: try object.required("gold").string(),
                           response: try object.required("response").string(),
                           mathVerify: try object.required("math_verify").bool(), note: try object.required("note").string(),
                           differs: try object.optional("differs")?.string())
            try object.finish()
            return row
        }
    }

    func test_agreement_with_math_verify_is_at_least_95_percent_per_kind() throws {
        // Given the labelled suites
        let cases = try Self.cases()
        XCTAssertGreaterThan(cases.count, 250)
        var table: [String: (agree: Int, total: Int)] = [:]
        var disagreements: [String] = [], brokenDifferences: [String] = []
        // When dispo grades every case
        for c in cases {
            let verdict = MathVerifier.grade(response: c.response, gold: c.gold)
            let agrees = verdict.correct == c.mathVerify
            table[c.kind, default: (0, 0)].total += 1
            if agrees { table[c.kind, default: (0, 0)].agree += 1 }
            let line = "[\(c.kind)] \(c.note): gold \(c.gold) | response \(c.response.prefix(80)) → dispo \(verdict.correct) "
                + "(\(verdict.reason), extracted \(verdict.extracted ?? "nil")), math-verify \(c.mathVerify)"
            if c.differs != nil, agrees { brokenDifferences.append(line) }
            if !agrees, c.differs == nil { disagreements.append(line) }
        }
        // Then agreement per kind and overall is ≥ 95%, and the documented differences hold
        var report = "kind        agree/total\n"
        var agreeAll = 0, totalAll = 0
        for (kind, (agree, total)) in table.sorted(by: { $0.key < $1.key }) {
            report += String(format: "%-11@ %d/%d (%.1f%%)\n", kind as NSString, agree, total, 100 * Double(agree) / Double(total))
            XCTAssertGreaterThanOrEqual(Double(agree) / Double(total), 0.95, "kind \(kind)")
            agreeAll += agree
            totalAll += total
        }
        report += String(format: "all         %d/%d (%.1f%%)", agreeAll, totalAll, 100 * Double(agreeAll) / Double(totalAll))
        print(report)
        print("undocumented disagreements:\n" + disagreements.joined(separator: "\n"))
        XCTAssertGreaterThanOrEqual(Double(agreeAll) / Double(totalAll), 0.95)
        XCTAssertEqual(table.keys.sorted(), ["extraction", "notation", "structure", "symbolic"])
        XCTAssertTrue(brokenDifferences.isEmpty, "cases documented as differing now agree:\n" + brokenDifferences.joined(separator: "\n"))
    }
}
