// The writer: bad records are rejected without poisoning the writer; abandoned or failed writes leave
// nothing that looks complete; an existing set is replaced only with `overwrite`; options are checked.

import DispoShards
import DispoSupport
import Foundation
import XCTest

final class ShardWriterTests: XCTestCase {
    private func writer(_ dir: String, _ options: ShardWriterOptions = TestData.options()) throws -> ShardSetWriter {
        try ShardSetWriter(directory: dir, options: options, tokenizer: TestData.smallVocabulary, command: "dispo test")
    }

    func test_rejects_bad_records_and_keeps_the_good_ones() throws {
        let dir = try scratchDirectory()
        let w = try writer(dir)
        try w.append(TokenRecord(tokens: [1, 2, 3]))
        assertInputError(try w.append(TokenRecord(tokens: [1, 50_000]))) {
            XCTAssertEqual($0.place, "record 1")
            XCTAssertEqual($0.found, "50000")
        }
        assertInputError(try w.append(TokenRecord(tokens: [-1])))
        assertInputError(try w.append(TokenRecord(tokens: [1, 2], lossMask: [1])))
        assertInputError(try w.append(TokenRecord(tokens: [1, 2], lossMask: [1, 2])))
        assertInputError(try w.append(TokenRecord(tokens: [1], metadata: Array("not json".utf8))))
        assertInputError(try w.append(TokenRecord(tokens: [1], metadata: [0x7B, 0xFF, 0x7D])))
        try w.append(TokenRecord(tokens: [4], lossMask: [1]))
        XCTAssertEqual(try w.finish().records, 2)
        XCTAssertEqual(try ShardSet(directory: dir).records(), [TokenRecord(tokens: [1, 2, 3]), TokenRecord(tokens: [4], lossMask: [1])])
    }

    func test_abandon_leaves_nothing_behind() throws {
        let dir = try scratchDirectory()
        let w = try writer(dir)
        // Enough records to commit several shard files before abandoning
        for r in TestData.records(300, vocabulary: 50_000, masks: true) { try w.append(r) }
        w.abandon()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
        assertInputError(try w.append(TokenRecord(tokens: [1])))
        assertInputError(try w.finish())
    }

    func test_dropping_an_unfinished_writer_leaves_nothing_behind() throws {
        let dir = try scratchDirectory()
        do {
            let w = try writer(dir)
            for r in TestData.records(300, vocabulary: 50_000, masks: false) { try w.append(r) }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func test_shards_without_manifest_are_refused_as_incomplete() throws {
        let dir = try scratchDirectory()
        try TestData.write(TestData.records(300, vocabulary: 50_000, masks: false), to: dir)
        try FileManager.default.removeItem(atPath: dir + "/manifest.json")
        assertInputError(try ShardSet(directory: dir)) {
            XCTAssertEqual($0.file, dir + "/manifest.json")
            XCTAssertTrue($0.found!.contains("incomplete"), $0.description)
            XCTAssertNotNil($0.hint)
        }
    }

    func test_existing_set_is_kept_unless_overwrite_is_given() throws {
        let dir = try scratchDirectory()
        let old = TestData.records(300, vocabulary: 50_000, masks: false, seed: 1)
        try TestData.write(old, to: dir)
        assertInputError(try writer(dir)) { XCTAssertTrue($0.hint!.contains("overwrite")) }
        XCTAssertEqual(try ShardSet(directory: dir).records(), old)
        // With overwrite, a smaller new set replaces it and no stale shard files remain
        let new = TestData.records(10, vocabulary: 50_000, masks: true, seed: 2)
        try TestData.write(new, to: dir, options: TestData.options(overwrite: true))
        let set = try ShardSet(directory: dir)
        XCTAssertEqual(try set.records(), new)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(files, ["manifest.json"] + set.manifest.shards.map(\.file))
        XCTAssertEqual(ShardSet.verify(directory: dir), [])
    }

    func test_invalid_options_are_rejected() throws {
        let dir = try scratchDirectory()
        var options = TestData.options()
        options.blockBytes = 10
        assertInputError(try writer(dir, options))
        options = TestData.options()
        options.threads = 0
        assertInputError(try writer(dir, options))
        assertInputError(try writer(dir, TestData.options(.zstd(level: 99))))
        XCTAssertEqual(try ShardCodec.parse("zstd"), .zstd(level: 3))
        XCTAssertEqual(try ShardCodec.parse("zstd:19"), .zstd(level: 19))
        XCTAssertEqual(try ShardCodec.parse("LZ4"), .lz4)
        XCTAssertEqual(try ShardCodec.parse("none"), ShardCodec.none)
        assertInputError(try ShardCodec.parse("gzip")) { XCTAssertTrue($0.expected.contains("zstd, lz4, none")) }
    }

    func test_summary_counts_what_was_written() throws {
        let dir = try scratchDirectory()
        let records = TestData.records(200, vocabulary: 50_000, masks: true)
        let summary = try TestData.write(records, to: dir)
        XCTAssertEqual(summary.records, 200)
        XCTAssertEqual(summary.tokens, records.reduce(0) { $0 + $1.tokens.count })
        XCTAssertGreaterThan(summary.compressionRatio, 1)
        let manifest = try ShardManifest.load(directory: dir)
        XCTAssertEqual(manifest.maskedRecords, records.filter { $0.lossMask != nil }.count)
        XCTAssertEqual(manifest.info["source"], "unit test")
        XCTAssertEqual(manifest.command, "dispo test-write")
        XCTAssertEqual(summary.fileBytes, manifest.shards.reduce(0) { $0 + $1.bytes })
    }
}
