// TensorBoard event files: the bytes of two events equal what TensorBoard's own writer produces
// (Tools/make_tensorboard_fixture.py printed the hex below), records read back with their steps, a damaged
// tail is ignored, and a resumed run's file is cut back to the steps its checkpoint holds.
import DispoPlots
import DispoSupport
import Foundation
import XCTest

final class TensorBoardTests: XCTestCase {
    static let fileVersionHex = "1800000000000000a37f4b2209000000000000f83f1a0d627261696e2e4576656e743a322a28646c"
    static let scalarsHex = "40000000000000002817f4950900001040fc54d94110ac022a320a0f0a086163632f6d65616e150000c03e0a1f0a18646973706f"
        + "2f636c69705f73686172655f6e65675f6c6f7715000020c093e9cabd"

    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func test_events_match_tensorboards_own_bytes() {
        XCTAssertEqual(hex(TensorBoardEvent.record(TensorBoardEvent.fileVersion(wallTime: 1.5))), Self.fileVersionHex)
        let event = TensorBoardEvent.scalars(wallTime: 1_700_000_000.25, step: 300,
                                             values: [("acc/mean", 0.375), ("dispo/clip_share_neg_low", -2.5)])
        XCTAssertEqual(hex(TensorBoardEvent.record(event)), Self.scalarsHex)
    }

    func test_records_read_back_with_their_steps_and_a_damaged_tail_is_ignored() {
        var bytes = TensorBoardEvent.record(TensorBoardEvent.fileVersion(wallTime: 2))
        for step in [1, 2, 200_000] {
            bytes += TensorBoardEvent.record(TensorBoardEvent.scalars(wallTime: 3, step: step, values: [("x", Float(step))]))
        }
        let records = TensorBoardEvent.records(bytes)
        XCTAssertEqual(records.map { TensorBoardEvent.step(ofEvent: $0.data) }, [0, 1, 2, 200_000])
        XCTAssertEqual(records.last?.end, bytes.count)
        // A record cut short, or with a flipped byte, ends the file there.
        XCTAssertEqual(TensorBoardEvent.records(Array(bytes.dropLast(3))).count, 3)
        var flipped = bytes
        flipped[records[1].end + 14] ^= 0x40
        XCTAssertEqual(TensorBoardEvent.records(flipped).count, 2)
        XCTAssertNil(TensorBoardEvent.step(ofEvent: [0x10][...]), "a varint cut short is not an event")
    }

    func test_a_resumed_writer_keeps_the_events_up_to_its_checkpoint() throws {
        let dir = NSTemporaryDirectory() + "dispo-tb-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try TensorBoardWriter(directory: dir, now: 1000)
        for step in 1...5 { try first.write(step: step, values: ["acc/mean": Double(step) / 10, "bad": .nan, "step": 9]) }
        let resumed = try TensorBoardWriter(directory: dir, resumeThroughStep: 3, now: 2000)
        XCTAssertEqual(resumed.path, first.path, "a resumed run appends to its own file")
        try resumed.write(step: 4, values: ["acc/mean": 0.44])
        let records = TensorBoardEvent.records([UInt8](try Data(contentsOf: URL(fileURLWithPath: resumed.path))))
        XCTAssertEqual(records.map { TensorBoardEvent.step(ofEvent: $0.data) }, [0, 1, 2, 3, 4])
        // Non-finite values and "step" are not written: one scalar per event.
        let expected = TensorBoardEvent.scalars(wallTime: 1, step: 1, values: [("acc/mean", 0.1)])
        XCTAssertEqual(records[1].data.count, expected.count)
        XCTAssertTrue(resumed.path.hasSuffix("events.out.tfevents.1000.dispo"), resumed.path)
    }
}
