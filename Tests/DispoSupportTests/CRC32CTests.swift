// CRC-32C against the standard check values (RFC 3720 B.4, the "123456789" check) and TFRecord's mask.
import DispoSupport
import XCTest

final class CRC32CTests: XCTestCase {
    func test_checksum_matches_the_published_check_values() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
    }

    func test_mask_rotates_and_adds_the_tfrecord_constant() {
        // crc("123456789") = 0xE3069283: rotated right by 15 = 0x25070C0D... plus 0xA282EAD8.
        let crc: UInt32 = 0xE306_9283
        XCTAssertEqual(CRC32C.masked(Array("123456789".utf8)), ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }
}
