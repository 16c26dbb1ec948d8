// Helpers for the verifier tests: paths of the fixtures and of ../shared, JSONL reading.
import DispoSupport
import Foundation
import XCTest

enum TestPaths {
    /// Tests/DispoVerifierTests
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    /// The package root (two levels above this folder).
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures")
    /// `../shared` beside the checkout, or the directory in DISPO_SHARED (a path that does not exist runs the
    /// suite as a user's clone without it).
    static let shared = ProcessInfo.processInfo.environment["DISPO_SHARED"].map { URL(fileURLWithPath: $0) }
        ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// `../shared/<relative>`, or XCTSkip naming the test when ../shared is absent.
    static func shared(_ relative: String, test: String) throws -> URL {
        let url = shared.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(test): ../shared not found (looked for \(url.path))")
        }
        return url
    }

    /// The JSON objects of a JSONL file (blank lines skipped).
    static func jsonLines(_ url: URL) throws -> [JSONValue] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let row = try JSONValue.parse(String(line), file: url.path)
            XCTAssertNotNil(row.members, "not a JSON object: \(line)")
            return row
        }
    }
}
