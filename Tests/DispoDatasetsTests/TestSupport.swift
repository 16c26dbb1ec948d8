// Helpers shared by the dataset tests: scratch directories and the path of ../shared.
import Foundation
import XCTest

enum TestPaths {
    /// The package root (two levels above this file's folder).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the checkout (or the directory in DISPO_SHARED), nil when absent (as in a user's clone;
    /// DISPO_SHARED=/nonexistent runs the suite that way).
    static var shared: URL? {
        let url = ProcessInfo.processInfo.environment["DISPO_SHARED"].map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("data/math").path) ? url : nil
    }

    static func requireShared(_ what: String) throws -> URL {
        guard let shared else { throw XCTSkip("\(what): skipped, the full data files of ../shared are not here (DISPO_SHARED or ../shared)") }
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
