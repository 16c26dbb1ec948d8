// XXH64 against values computed by the reference C implementation (python-xxhash 3.x).
import DispoSupport
import XCTest

final class XXH64Tests: XCTestCase {
    func test_matches_reference_values() {
        let cases: [([UInt8], UInt64, UInt64, UInt64)] = [
            ([], 0, 0xef46db3751d8e999, 0x95f0626f6f0a4409),
            (Array("a".utf8), 0, 0xd24ec4f1a98c6e5b, 0xdc6349d489e0f965),
            (Array("abc".utf8), 0, 0x44bc2cf5ad770999, 0x9e755206156676d7),
            (Array((0..<3).flatMap { _ in (0..<256).map { UInt8($0) } }), 0, 0x8e03c838c596036f, 0xb1e10f6c5294cd6b),
            (Array("0123456789abcdef0123456789abcdef0".utf8), 0, 0xe87684f08d6d0816, 0x4f54109a9de9ef94),
        ]
        for (bytes, _, seed0, seed7) in cases {
            XCTAssertEqual(XXH64.hash(bytes), seed0, "length \(bytes.count), seed 0")
            XCTAssertEqual(XXH64.hash(bytes, seed: 7), seed7, "length \(bytes.count), seed 7")
        }
        XCTAssertEqual(XXH64.hex(0xabc), "0000000000000abc")
    }

    func test_stream_over_pieces_equals_the_one_shot_hash() {
        var rng = SplitMix64(seed: 11)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        // Piece sizes around the 32-byte stripe: empty, short, exact, crossing, long.
        for pieces in [[0], [1000], [3, 29, 0, 32, 900, 36], [31, 1, 33, 935], [7, 7, 7, 979], [64, 936]] {
            for seed: UInt64 in [0, 7] {
                var stream = XXH64.Stream(seed: seed)
                var start = 0
                for n in pieces {
                    stream.update(Array(bytes[start..<min(1000, start + n)]))
                    start = min(1000, start + n)
                }
                XCTAssertEqual(stream.digest(), XXH64.hash(Array(bytes[0..<start]), seed: seed), "pieces \(pieces), seed \(seed)")
            }
        }
        var short = XXH64.Stream()
        short.update(Array("ab".utf8))
        short.update(Array("c".utf8))
        XCTAssertEqual(short.digest(), 0x44bc2cf5ad770999)
    }
}
