// Manifests with impossible numbers, and set paths that are not directories of regular files: each is an
// error naming the file and the field, and `shards verify` never calls such a set ok.
import DispoShards
import DispoSupport
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ShardManifestLimitsTests: XCTestCase {
    private func validSet() throws -> String {
        let dir = try scratchDirectory("limits")
        try TestData.write(TestData.records(40, vocabulary: 50_000, masks: true), to: dir)
        return dir
    }

    /// Rewrites one key of manifest.json (a JSON value given as text) without touching the shard files.
    private func setManifest(_ dir: String, _ edit: (inout JSONValue) -> Void) throws {
        let path = dir + "/manifest.json"
        var root = try JSONParser.parse(contentsOf: path).value
        edit(&root)
        try AtomicFile.write(Self.text(root), to: path)
    }

    static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return "\(b)"
        case .number(_, let t): return t
        case .string(let s): return JSONString.literal(s)
        case .array(let a): return "[" + a.map { text($0.value) }.joined(separator: ",") + "]"
        case .object(let o): return "{" + o.map { JSONString.literal($0.key) + ":" + text($0.value.value) }.joined(separator: ",") + "}"
        }
    }

    static func set(_ key: String, _ number: String, in v: inout JSONValue) {
        guard case .object(var members) = v else { return }
        for i in members.indices where members[i].key == key { members[i].value.value = .number(Double(number) ?? 0, number) }
        v = .object(members)
    }

    func test_impossible_manifest_numbers_are_errors_in_reading_and_verify() throws {
        let cases: [(key: String, value: String, expected: String)] = [
            ("masked_records", "1000", "masked_records: expected a count in [0, records = 40]"),
            ("masked_records", "-1", "masked_records: expected a count in [0, records = 40]"),
            ("block_bytes", "0", "block_bytes: expected a block size in [1, 1073741824]"),
            ("records", "41", "records: expected totals equal to the sum over shards"),
        ]
        for c in cases {
            let dir = try validSet()
            try setManifest(dir) { Self.set(c.key, c.value, in: &$0) }
            XCTAssertThrowsError(try ShardSet(directory: dir), c.key) { XCTAssertTrue("\($0)".contains(c.expected), "\($0)") }
            let faults = ShardSet.verify(directory: dir)
            XCTAssertEqual(faults.count, 1, "\(c.key): \(faults)")
            XCTAssertTrue(faults.first.map { "\($0)".contains(c.expected) } ?? false, "\(faults)")
        }
    }

    func test_verify_counts_masked_records_and_uncompressed_bytes() throws {
        let dir = try validSet()
        let masked = try ShardSet(directory: dir).manifest.maskedRecords
        XCTAssertGreaterThan(masked, 1)
        try setManifest(dir) { Self.set("masked_records", "\(masked - 1)", in: &$0) }
        let faults = ShardSet.verify(directory: dir)
        XCTAssertEqual(faults.map(\.place), ["masked_records"], "\(faults)")
        XCTAssertTrue(faults.first?.expected.hasPrefix("\(masked) (the records with a loss mask)") ?? false, "\(faults)")
    }

    func test_set_paths_that_are_files_loops_or_fifos_are_named() throws {
        let root = try scratchDirectory("paths")
        try AtomicFile.write("x", to: root + "/file")
        XCTAssertEqual(symlink(root + "/b", root + "/a"), 0)
        XCTAssertEqual(symlink(root + "/a", root + "/b"), 0)
        XCTAssertThrowsError(try ShardSet(directory: root + "/file")) {
            XCTAssertTrue("\($0)".contains("expected a shard set directory, found a regular file"), "\($0)")
        }
        XCTAssertThrowsError(try ShardSet(directory: root + "/a")) {
            XCTAssertTrue("\($0)".contains("found a loop of symbolic links"), "\($0)")
        }
        // manifest.json that is a directory, then a FIFO nobody writes (reading it must not block)
        let dir = try validSet()
        try FileSystem.remove(dir + "/manifest.json")
        try FileSystem.createDirectory(dir + "/manifest.json")
        XCTAssertThrowsError(try ShardSet(directory: dir)) { XCTAssertTrue("\($0)".contains("found a directory"), "\($0)") }
        try FileSystem.remove(dir + "/manifest.json")
        XCTAssertEqual(mkfifo(dir + "/manifest.json", 0o644), 0)
        XCTAssertThrowsError(try ShardSet(directory: dir)) { XCTAssertTrue("\($0)".contains("found a FIFO"), "\($0)") }
    }

    func test_a_fifo_in_place_of_a_shard_file_is_refused_without_blocking() throws {
        let dir = try validSet()
        try FileSystem.remove(dir + "/shard-00000.dsh")
        XCTAssertEqual(mkfifo(dir + "/shard-00000.dsh", 0o644), 0)
        XCTAssertThrowsError(try ShardSet(directory: dir)) { XCTAssertTrue("\($0)".contains("a FIFO (named pipe)"), "\($0)") }
        XCTAssertTrue(ShardSet.verify(directory: dir).contains { "\($0)".contains("a FIFO (named pipe)") })
    }
}
