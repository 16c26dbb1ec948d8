// Corrupt and foreign input: each case raises an InputError that names the file and the block (or
// record) and says what was expected — never a crash, never wrong data. Ends with a seeded fuzz test
// that mutates random bytes of a valid shard many times.

import DispoShards
import DispoSupport
import Foundation
import XCTest

final class ShardCorruptionTests: XCTestCase {
    /// A valid set with 2+ shard files; returns (directory, records, path of shard 0).
    private func validSet(_ codec: ShardCodec = .zstd(level: 3)) throws -> (String, [TokenRecord], String) {
        let dir = try scratchDirectory("corrupt")
        let records = TestData.records(300, vocabulary: 50_000, masks: true)
        try TestData.write(records, to: dir, options: TestData.options(codec))
        return (dir, records, dir + "/shard-00000.dsh")
    }

    private func bytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: path)!) }
    private func save(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    private func load(_ u: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(u[at + $1]) << (8 * UInt64($1)) } }
    private func store(_ v: UInt64, _ u: inout [UInt8], _ at: Int) { for i in 0..<8 { u[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) } }

    /// Recomputes the block-table and footer checksums after an edit, so deeper checks are reached.
    private func reseal(_ u: inout [UInt8]) {
        let footer = u.count - 64
        let indexOffset = Int(load(u, footer))
        store(XXH64.hash(Array(u[indexOffset..<footer])), &u, footer + 40)
        store(XXH64.hash(Array(u[footer..<(footer + 48)])), &u, footer + 48)
    }

    private func editManifest(_ dir: String, _ edit: (inout JSONValue) throws -> Void) throws {
        let path = dir + "/manifest.json"
        var json = try JSONParser.parse(contentsOf: path).value
        try edit(&json)
        try AtomicFile.write(JSONWriter.text(json), to: path)
    }

    func test_truncated_shard_names_the_file() throws {
        let (dir, _, shard) = try validSet()
        let u = bytes(shard)
        for length in [0, 10, 100, u.count / 2, u.count - 1] {
            try save(Array(u[..<length]), shard)
            assertInputError(try ShardSet(directory: dir)) { XCTAssertEqual($0.file, shard, $0.description) }
            XCTAssertEqual(ShardSet.verify(directory: dir).first?.file, shard)
        }
    }

    func test_wrong_magic_and_unsupported_version() throws {
        let (dir, _, shard) = try validSet()
        var u = bytes(shard)
        u[0] = UInt8(ascii: "X")
        try save(u, shard)
        assertInputError(try ShardSet(directory: dir)) {
            XCTAssertEqual($0.file, shard)
            XCTAssertEqual($0.place, "header")
            XCTAssertTrue($0.expected.contains("DSPSHARD"))
        }
        u = bytes(shard)
        u[0] = UInt8(ascii: "D")
        u[8] = 2
        try save(u, shard)
        assertInputError(try ShardSet(directory: dir)) { XCTAssertEqual($0.expected, "format version 1") }
    }

    func test_flipped_byte_in_a_block_names_the_block() throws {
        for codec in [ShardCodec.zstd(level: 3), .lz4, .none] {
            let (dir, records, shard) = try validSet(codec)
            let block = try ShardSet(directory: dir).files[0].blocks[3]
            var u = bytes(shard)
            u[block.offset + block.compressedSize / 2] ^= 0x10
            try save(u, shard)
            let set = try ShardSet(directory: dir)
            assertInputError(try set.record(at: block.firstRecord)) {
                XCTAssertEqual($0.file, shard)
                XCTAssertEqual($0.place, "block 3 (byte \(block.offset))")
                XCTAssertTrue($0.expected.contains("XXH64"))
            }
            XCTAssertEqual(try set.record(at: 0), records[0], "other blocks still read")
            assertInputError(try set.scan { _, _ in })
            let faults = set.verify()
            XCTAssertEqual(faults.count, 1, "\(codec)")
            XCTAssertEqual(faults.first?.place, "block 3 (byte \(block.offset))")
        }
    }

    func test_block_table_pointing_outside_the_file() throws {
        let (dir, _, shard) = try validSet()
        var u = bytes(shard)
        let footer = u.count - 64
        let entry = Int(load(u, footer)) + 2 * 48
        store(UInt64(u.count + 4096), &u, entry)
        reseal(&u)
        try save(u, shard)
        assertInputError(try ShardSet(directory: dir)) {
            XCTAssertEqual($0.file, shard)
            XCTAssertEqual($0.place, "block 2 (block table)")
        }
        // A footer whose block table lies outside the file
        u = bytes(shard)
        store(UInt64(u.count * 2), &u, footer)
        store(XXH64.hash(Array(u[footer..<(footer + 48)])), &u, footer + 48)
        try save(u, shard)
        assertInputError(try ShardSet(directory: dir)) { XCTAssertTrue($0.place!.hasPrefix("footer"), $0.description) }
    }

    func test_uncompressed_size_lie_is_caught_on_decode() throws {
        let (dir, _, shard) = try validSet()
        var u = bytes(shard)
        let entry = Int(load(u, u.count - 64)) + 48 + 12  // block 1's uncompressed size
        u[entry] &+= 1
        reseal(&u)
        try save(u, shard)
        // The footer's total no longer matches the table
        assertInputError(try ShardSet(directory: dir)) { XCTAssertEqual($0.place, "footer") }
    }

    func test_manifest_and_shard_mismatches() throws {
        let (dir, _, shard) = try validSet()
        try editManifest(dir) { json in
            let shardTokens = try XCTUnwrap(json["shards"]?[0]?["tokens"]?.int), tokens = try XCTUnwrap(json["tokens"]?.int)
            json["shards"]?[0]?["tokens"] = JSONValue(shardTokens + 1)
            json["tokens"] = JSONValue(tokens + 1)
        }
        assertInputError(try ShardSet(directory: dir)) {
            XCTAssertEqual($0.file, shard)
            XCTAssertTrue($0.expected.contains("tokens (as manifest.json says)"), $0.description)
        }
        let (dir2, _, shard2) = try validSet()
        try editManifest(dir2) { $0["codec"] = try JSONValue.parse(#"{"name": "lz4"}"#) }
        assertInputError(try ShardSet(directory: dir2)) {
            XCTAssertEqual($0.file, shard2)
            XCTAssertTrue($0.expected.contains("codec lz4"), $0.description)
        }
        let (dir3, _, _) = try validSet()
        try FileManager.default.removeItem(atPath: dir3 + "/shard-00001.dsh")
        assertInputError(try ShardSet(directory: dir3)) { XCTAssertEqual($0.file, dir3 + "/shard-00001.dsh") }
        XCTAssertEqual(ShardSet.verify(directory: dir3).map(\.file), [dir3 + "/shard-00001.dsh"])
        // A shard file the manifest does not name is reported by verify
        let (dir4, _, shard4) = try validSet()
        try FileManager.default.copyItem(atPath: shard4, toPath: dir4 + "/shard-00099.dsh")
        XCTAssertEqual(ShardSet.verify(directory: dir4).map(\.file), [dir4 + "/shard-00099.dsh"])
    }

    func test_invalid_manifest_json() throws {
        let (dir, _, _) = try validSet()
        try save(Array("{\"format\": \"dispo-shards\", ".utf8), dir + "/manifest.json")
        assertInputError(try ShardSet(directory: dir)) {
            XCTAssertEqual($0.file, dir + "/manifest.json")
            XCTAssertNotNil($0.hint)
        }
        let (dir2, _, _) = try validSet()
        try editManifest(dir2) { $0["records"] = JSONValue("many") }
        assertInputError(try ShardSet(directory: dir2)) { XCTAssertTrue($0.found!.contains("$.records"), $0.description) }
        try editManifest(dir2) { $0["records"] = JSONValue(1); $0["version"] = JSONValue(7) }
        assertInputError(try ShardSet(directory: dir2)) { XCTAssertEqual($0.place, "version") }
        assertInputError(try ShardSet(directory: dir2 + "/nowhere"))
    }

    /// Mutates 1–4 random bytes (or truncates) a valid shard, many times: every read either throws an
    /// InputError or returns exactly the original record.
    func test_fuzz_random_byte_mutations_never_crash_or_return_wrong_data() throws {
        for codec in [ShardCodec.zstd(level: 3), .lz4, .none] {
            let dir = try scratchDirectory("fuzz")
            let records = TestData.records(60, vocabulary: 50_000, masks: true, maxTokens: 120)
            try TestData.write(records, to: dir, options: TestData.options(codec, shardBytes: 1 << 20))
            let shard = dir + "/shard-00000.dsh"
            let original = bytes(shard)
            var rng = TestRandom(state: 2024)
            var rejected = 0
            for _ in 0..<300 {
                var u = original
                for _ in 0..<(1 + rng.below(4)) { u[rng.below(u.count)] = UInt8(rng.below(256)) }
                if rng.below(20) == 0 { u.removeLast(1 + rng.below(100)) }
                try save(u, shard)
                rejected += try readAll(dir, expecting: records)
            }
            XCTAssertGreaterThan(rejected, 250, "\(codec)")
        }
    }

    /// Reads everything it can; returns 1 if some read was rejected. Fails on wrong data or a non-InputError.
    private func readAll(_ dir: String, expecting records: [TokenRecord]) throws -> Int {
        var rejected = 0
        func attempt(_ body: () throws -> Void) {
            do { try body() } catch is InputError { rejected = 1 } catch { XCTFail("not an InputError: \(error)") }
        }
        attempt {
            let set = try ShardSet(directory: dir, cacheBytes: 1 << 20)
            for i in 0..<set.count {
                attempt {
                    let record = try set.record(at: i)
                    XCTAssertEqual(record, records[i], "wrong data for record \(i)")
                }
            }
            attempt { try set.scan { i, r in XCTAssertEqual(r, records[i]) } }
            if !set.verify().isEmpty { rejected = 1 }
        }
        return rejected
    }
}
