// The shuffling cursor: each epoch is a permutation, epochs and seeds differ, and a cursor saved as
// JSON and restored against a freshly opened set continues with exactly the same records.

import DispoShards
import DispoSupport
import Foundation
import XCTest

final class ShardCursorTests: XCTestCase {
    func test_each_epoch_is_a_permutation_for_many_sizes() {
        for count in [1, 2, 3, 5, 16, 17, 100, 1000, 4097] {
            for epoch in 0..<3 {
                let p = ShardPermutation(count: count, seed: 42, epoch: epoch)
                let order = (0..<count).map { p.index(at: $0) }
                XCTAssertEqual(order.sorted(), Array(0..<count), "count \(count) epoch \(epoch)")
            }
        }
    }

    func test_epochs_and_seeds_give_different_orders() {
        let count = 1000
        let order = { (seed: UInt64, epoch: Int) -> [Int] in
            let p = ShardPermutation(count: count, seed: seed, epoch: epoch)
            return (0..<count).map { p.index(at: $0) }
        }
        let base = order(1, 0)
        XCTAssertNotEqual(base, order(1, 1))
        XCTAssertNotEqual(base, order(2, 0))
        XCTAssertEqual(base, order(1, 0))
        XCTAssertNotEqual(base, Array(0..<count))
        // Roughly shuffled: few indices stay in place (expected ≈ 1)
        XCTAssertLessThan(zip(base, 0..<count).filter { $0 == $1 }.count, 10)
    }

    func test_cursor_walks_epochs_and_rolls_over() throws {
        let records = TestData.records(50, vocabulary: 50_000, masks: false)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir)
        let set = try ShardSet(directory: dir)
        var cursor = ShardCursor(seed: 9)
        var first: [Int] = [], second: [Int] = []
        for _ in 0..<50 { first.append(try set.nextIndex(&cursor)) }
        XCTAssertEqual(cursor, ShardCursor(seed: 9, epoch: 0, position: 50))
        for _ in 0..<50 { second.append(try set.nextIndex(&cursor)) }
        XCTAssertEqual(cursor.epoch, 1)
        XCTAssertEqual(first.sorted(), Array(0..<50))
        XCTAssertEqual(second.sorted(), Array(0..<50))
        XCTAssertNotEqual(first, second)
        var bad = ShardCursor(seed: 9, epoch: 0, position: 51)
        assertInputError(try set.nextIndex(&bad)) { XCTAssertEqual($0.place, "cursor") }
    }

    func test_resume_from_a_saved_cursor_continues_identically() throws {
        let records = TestData.records(120, vocabulary: 50_000, masks: true, seed: 4)
        let dir = try scratchDirectory()
        try TestData.write(records, to: dir)
        // Given an uninterrupted run of 300 draws
        let set = try ShardSet(directory: dir)
        var straight = ShardCursor(seed: 0xFFFF_FFFF_FFFF_FFF1)
        let expected = try set.next(300, &straight)
        // When a run stops after 170 draws, saves its cursor as JSON, and a new ShardSet resumes from it
        var cursor = ShardCursor(seed: 0xFFFF_FFFF_FFFF_FFF1)
        let head = try set.next(170, &cursor)
        let saved = try JSONWriter.encode(cursor)
        var restored = try StrictJSONDecoder().decode(ShardCursor.self, fromText: saved)
        XCTAssertEqual(restored, cursor)
        let reopened = try ShardSet(directory: dir)
        let tail = try reopened.next(130, &restored)
        // Then the draws match the uninterrupted run exactly
        XCTAssertEqual((head + tail).map(\.index), expected.map(\.index))
        XCTAssertEqual((head + tail).map(\.record), expected.map(\.record))
        XCTAssertEqual(restored, straight)
        XCTAssertEqual(expected[5].record, records[expected[5].index])
    }
}
