// Round trips: what the writer takes in, the reader gives back — for every codec, both token widths,
// with and without loss masks — by sequential scan, by random access, and from many tasks at once.

import DispoShards
import DispoSupport
import Foundation
import XCTest

final class ShardRoundTripTests: XCTestCase {
    func test_round_trip_every_codec_width_and_mask_setting() throws {
        for codec in [ShardCodec.zstd(level: 3), .lz4, .none] {
            for tokenizer in [TestData.smallVocabulary, TestData.largeVocabulary] {
                for masks in [false, true] {
                    // Given records spanning many 4 KiB blocks and several shard files
                    let records = TestData.records(300, vocabulary: tokenizer.vocabularySize, masks: masks)
                    let dir = try scratchDirectory()
                    // When they are written and read back
                    let summary = try TestData.write(records, to: dir, options: TestData.options(codec), tokenizer: tokenizer)
                    let set = try ShardSet(directory: dir)
                    // Then every record comes back unchanged, in order
                    let label = "\(codec) vocab \(tokenizer.vocabularySize) masks \(masks)"
                    XCTAssertEqual(try set.records(), records, label)
                    XCTAssertEqual(set.count, records.count, label)
                    XCTAssertEqual(set.tokenCount, records.reduce(0) { $0 + $1.tokens.count }, label)
                    XCTAssertEqual(set.manifest.tokenWidth, tokenizer.vocabularySize <= 65536 ? 2 : 4, label)
                    XCTAssertEqual(set.manifest.codec, codec, label)
                    XCTAssertGreaterThan(summary.blocks, 10, label)
                    XCTAssertGreaterThan(summary.shards, 1, label)
                    XCTAssertEqual(summary.shards, set.manifest.shards.count, label)
                    XCTAssertEqual(set.verify(), [], label)
                }
            }
        }
    }

    func test_random_access_equals_sequential_scan() throws {
        let records = TestData.records(400, vocabulary: 50_000, masks: true, seed: 7)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir)
        // A small cache so blocks are evicted and decoded again
        let set = try ShardSet(directory: dir, cacheBytes: 16 << 10)
        var rng = TestRandom(state: 3)
        for _ in 0..<1000 {
            let i = rng.below(records.count)
            XCTAssertEqual(try set.record(at: i), records[i])
        }
        XCTAssertLessThanOrEqual(set.cachedBytes, 16 << 10)
        XCTAssertEqual(try set.records(from: 123, limit: 50), Array(records[123..<173]))
        XCTAssertEqual(try set.records(from: 390, limit: 50), Array(records[390...]))
        var iterator = set.makeIterator(from: 195, limit: 100)
        var pulled: [TokenRecord] = []
        while let (i, r) = try iterator.next() {
            XCTAssertEqual(i, 195 + pulled.count)
            pulled.append(r)
        }
        XCTAssertEqual(pulled, Array(records[195..<295]))
        assertInputError(try set.record(at: records.count)) { XCTAssertEqual($0.place, "record 400") }
        assertInputError(try set.record(at: -1))
    }

    func test_concurrent_reads_from_many_tasks_return_the_right_records() async throws {
        let records = TestData.records(300, vocabulary: 151_936, masks: true, seed: 11)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir, tokenizer: TestData.largeVocabulary)
        let set = try ShardSet(directory: dir, cacheBytes: 32 << 10)
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<16 {
                group.addTask {
                    var rng = TestRandom(state: UInt64(task))
                    var bad = 0
                    for _ in 0..<200 {
                        let i = rng.below(records.count)
                        if try set.record(at: i) != records[i] { bad += 1 }
                    }
                    if task % 4 == 0 {
                        try set.scan(from: task) { i, r in if r != records[i] { bad += 1 } }
                    }
                    return bad
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertEqual(mismatches, 0)
    }

    func test_single_thread_and_parallel_writers_produce_identical_shards() throws {
        let records = TestData.records(200, vocabulary: 50_000, masks: false, seed: 5)
        let one = try scratchDirectory(), two = try scratchDirectory()
        try TestData.write(records, to: one, options: TestData.options(threads: 1))
        try TestData.write(records, to: two, options: TestData.options(threads: 4))
        let set = try ShardSet(directory: one)
        for shard in set.manifest.shards {
            let a = FileManager.default.contents(atPath: one + "/" + shard.file)
            let b = FileManager.default.contents(atPath: two + "/" + shard.file)
            XCTAssertEqual(a, b, shard.file)
        }
    }

    func test_empty_records_and_an_empty_set() throws {
        let dir = try scratchDirectory()
        let records = [TokenRecord(tokens: [], lossMask: [], metadata: Array("{}".utf8)), TokenRecord(tokens: [])]
        try TestData.write(records, to: dir)
        XCTAssertEqual(try ShardSet(directory: dir).records(), records)
        let empty = try scratchDirectory()
        let summary = try TestData.write([], to: empty)
        XCTAssertEqual(summary.records, 0)
        let set = try ShardSet(directory: empty)
        XCTAssertEqual(set.count, 0)
        XCTAssertEqual(try set.records(), [])
        var cursor = ShardCursor(seed: 1)
        assertInputError(try set.nextIndex(&cursor))
    }

    func test_record_larger_than_a_block_gets_a_block_of_its_own() throws {
        var rng = TestRandom(state: 9)
        let big = TokenRecord(tokens: (0..<5000).map { _ in TokenID(rng.below(50_000)) })
        let records = TestData.records(20, vocabulary: 50_000, masks: false) + [big] + TestData.records(20, vocabulary: 50_000, masks: true)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir)
        let set = try ShardSet(directory: dir)
        XCTAssertEqual(try set.records(), records)
        XCTAssertEqual(try set.record(at: 20), big)
    }

    func test_stats_and_inspect_reports_describe_the_set() throws {
        let records = TestData.records(100, vocabulary: 50_000, masks: true)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir)
        let set = try ShardSet(directory: dir)
        let stats = try ShardSetStats.compute(set)
        XCTAssertEqual(stats.records, 100)
        XCTAssertEqual(stats.tokens, set.tokenCount)
        XCTAssertEqual(stats.lengths.total, 100)
        let sorted = records.map(\.tokens.count).sorted()
        XCTAssertEqual(stats.lengths.percentile(50), sorted[49])
        XCTAssertEqual(stats.lengths.percentile(100), sorted[99])
        XCTAssertTrue(stats.report(directory: dir, codec: set.manifest.codec).contains("p50="))
        let inspect = try ShardInspect.report(set)
        XCTAssertTrue(inspect.contains("\"dispo-shards\""))
        XCTAssertTrue(inspect.contains("block      offset"))
    }
}
