// Helpers shared by the dataset tests: scratch directories and the path of ../shared.
import Foundation
import XCTest

enum TestPaths {
    /// The package root (two levels above this file's folder).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the checkout, or nil when absent (as in a user's clone).
    static var shared: URL? {
        let url = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    static func requireShared(_ what: String) throws -> URL {
        guard let shared else { throw XCTSkip("\(what): skipped, ../shared not found beside the checkout") }
        return shared
    }
}

extension XCTestCase {
    func scratchDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-datasets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}
