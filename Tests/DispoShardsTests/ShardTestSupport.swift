// Shared helpers for the shard tests: scratch directories, seeded record generators, and writing a
// small set with tiny blocks (4 KiB) so a little data spans many blocks and several shard files.

import DispoShards
import DispoSupport
import Foundation
import XCTest

/// A tiny deterministic generator for test data (DispoSupport's SplitMix64, with a modulo `below`).
struct TestRandom {
    private var rng: SplitMix64

    init(state: UInt64) { rng = SplitMix64(seed: state) }

    mutating func next() -> UInt64 { rng.next() }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

extension XCTestCase {
    func scratchDirectory(_ label: String = "shards") throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

enum TestData {
    static let smallVocabulary = ShardTokenizerInfo(name: "test-u16", kind: "byte", hash: "0123456789abcdef", vocabularySize: 50_000)
    static let largeVocabulary = ShardTokenizerInfo(name: "test-u32", kind: "bpe", hash: "fedcba9876543210", vocabularySize: 151_936)

    /// `count` records of varying length (0…maxTokens), ids below `vocabulary`, masks on some or all.
    static func records(_ count: Int, vocabulary: Int, masks: Bool, maxTokens: Int = 300, seed: UInt64 = 1) -> [TokenRecord] {
        var rng = TestRandom(state: seed)
        return (0..<count).map { i in
            let n = rng.below(maxTokens + 1)
            let tokens = (0..<n).map { _ in TokenID(rng.below(vocabulary)) }
            let mask: [UInt8]? = masks && i % 3 != 0 ? (0..<n).map { UInt8($0 >= n / 2 ? 1 : 0) } : nil
            let meta = "{\"id\":\"r\(i)\",\"answer\":\"\(rng.below(1000))\",\"source\":\"test\"}"
            return TokenRecord(tokens: tokens, lossMask: mask, metadata: Array(meta.utf8))
        }
    }

    static func options(_ codec: ShardCodec = .zstd(level: 3), threads: Int = 2, shardBytes: Int = 64 << 10,
                        overwrite: Bool = false) -> ShardWriterOptions {
        ShardWriterOptions(codec: codec, blockBytes: 4 << 10, shardBytes: shardBytes, threads: threads, overwrite: overwrite)
    }

    @discardableResult
    static func write(_ records: [TokenRecord], to dir: String, options: ShardWriterOptions = options(),
                      tokenizer: ShardTokenizerInfo = smallVocabulary) throws -> ShardSetSummary {
        let writer = try ShardSetWriter(directory: dir, options: options, tokenizer: tokenizer,
                                        command: "dispo test-write", info: ["source": "unit test"])
        for r in records { try writer.append(r) }
        return try writer.finish()
    }
}

/// Asserts that `body` throws an InputError, and returns it.
@discardableResult
func assertInputError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                         _ check: (InputError) -> Void = { _ in }) -> InputError? {
    do {
        _ = try body()
        XCTFail("expected an InputError, got a value", file: file, line: line)
    } catch let error as InputError {
        check(error)
        return error
    } catch {
        XCTFail("expected an InputError, got \(error)", file: file, line: line)
    }
    return nil
}
