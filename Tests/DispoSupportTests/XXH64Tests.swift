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
}
