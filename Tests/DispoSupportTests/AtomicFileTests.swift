// AtomicFile: the file appears only on commit, and an abandoned write leaves nothing behind.
import DispoSupport
import Foundation
import XCTest

final class AtomicFileTests: XCTestCase {
    private func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    func test_file_appears_only_after_commit() throws {
        let dir = try scratch()
        let path = dir + "/out.bin"
        let file = try AtomicFile(path: path)
        try file.write([1, 2, 3])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        try file.commit()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), Data([1, 2, 3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["out.bin"])
    }

    func test_abandoned_write_leaves_no_file() throws {
        let dir = try scratch()
        do {
            let file = try AtomicFile(path: dir + "/out.bin")
            try file.write("partial")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func test_commit_replaces_existing_file_whole() throws {
        let dir = try scratch()
        let path = dir + "/out.txt"
        try AtomicFile.write("old", to: path)
        try AtomicFile.write("new contents", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new contents")
    }

    func test_mapped_file_reads_bytes_and_rejects_directories() throws {
        let dir = try scratch()
        try AtomicFile.write([9, 8, 7], to: dir + "/m.bin")
        let mapped = try MappedFile(path: dir + "/m.bin")
        XCTAssertEqual(Array(mapped.bytes), [9, 8, 7])
        XCTAssertThrowsError(try MappedFile(path: dir)) { error in
            XCTAssertTrue("\(error)".contains(dir), "error names the path: \(error)")
        }
    }
}
