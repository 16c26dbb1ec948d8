// The in-process communicators: a single process returns its own data; a LocalGroup's ranks (threads) get
// rank-order reductions, every rank's blobs, the root's broadcast, and an error naming each rank's
// collective when they disagree, or when a rank fails or does not arrive.
import DispoDistributed
import Foundation
import XCTest

/// One rank's result, written by its thread before the group is joined.
final class Slot<T>: @unchecked Sendable { var result: Result<T, any Error>? }

final class LocalGroupTests: XCTestCase {
    /// Runs `body` once per rank, each on its own thread; returns the results by rank.
    func onRanks<T: Sendable>(_ group: LocalGroup, _ body: @escaping @Sendable (LocalCommunicator) throws -> T) -> [Result<T, any Error>] {
        let slots = (0..<group.size).map { _ in Slot<T>() }
        let done = DispatchGroup()
        for (rank, communicator) in group.communicators.enumerated() {
            done.enter()
            Thread {
                slots[rank].result = Result { try body(communicator) }
                done.leave()
            }.start()
        }
        done.wait()
        return slots.map { $0.result! }
    }

    func test_single_process_returns_its_own_data() throws {
        let one = SingleProcessCommunicator()
        var values: [Float] = [1, 2, 3]
        try values.withUnsafeMutableBufferPointer { try one.allReduce($0, op: .sum, label: "t") }
        XCTAssertEqual(values, [1, 2, 3])
        XCTAssertEqual(try one.allGather([7, 8], label: "t"), [[7, 8]])
        XCTAssertEqual(try one.broadcast([9], root: 0, label: "t"), [9])
        XCTAssertThrowsError(try one.broadcast([9], root: 1, label: "t"))
        XCTAssertEqual(one.rank, 0)
        XCTAssertEqual(one.size, 1)
    }

    func test_three_ranks_reduce_gather_and_broadcast() throws {
        let group = LocalGroup(size: 3, timeout: 10)
        let results = onRanks(group) { c -> ([Float], [Double], [Double], [[UInt8]], [UInt8]) in
            var floats: [Float] = [Float(c.rank), 1, 0.1]
            try floats.withUnsafeMutableBufferPointer { try c.allReduce($0, op: .sum, label: "sum") }
            let maxima = try c.allReduce([Double(c.rank), -Double(c.rank)], op: .max, label: "max")
            let minima = try c.allReduce([Double(c.rank), -Double(c.rank)], op: .min, label: "min")
            let blobs = try c.allGather([UInt8](repeating: UInt8(c.rank), count: c.rank), label: "gather")
            let root = try c.broadcast(c.rank == 2 ? [42, 43] : [], root: 2, label: "bcast")
            try c.barrier(label: "end")
            return (floats, maxima, minima, blobs, root)
        }
        for result in results {
            let (floats, maxima, minima, blobs, root) = try result.get()
            XCTAssertEqual(floats, [3, 3, (Float(0.1) + Float(0.1)) + Float(0.1)], "sums in rank order")
            XCTAssertEqual(maxima, [2, 0])
            XCTAssertEqual(minima, [0, -2])
            XCTAssertEqual(blobs, [[], [1], [2, 2]])
            XCTAssertEqual(root, [42, 43])
        }
    }

    func test_different_collectives_throw_on_every_rank_naming_each() {
        let group = LocalGroup(size: 2, timeout: 10)
        let results = onRanks(group) { c in try c.barrier(label: c.rank == 0 ? "learner.scale" : "pipeline.counts") }
        for result in results {
            XCTAssertThrowsError(try result.get()) {
                XCTAssertTrue("\($0)".contains("rank 0: learner.scale (barrier); rank 1: pipeline.counts (barrier)"), "\($0)")
            }
        }
    }

    func test_a_failed_rank_ends_the_wait_of_the_others() {
        let group = LocalGroup(size: 2, timeout: 30)
        let started = Date()
        let results = onRanks(group) { c in
            if c.rank == 1 {
                group.abandon(rank: 1, reason: "bad input")
                return
            }
            try c.barrier(label: "step")
        }
        XCTAssertThrowsError(try results[0].get()) { XCTAssertTrue("\($0)".contains("rank 1 failed: bad input"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }

    func test_a_rank_that_never_arrives_times_out() {
        let group = LocalGroup(size: 2, timeout: 0.2)
        let results = onRanks(group) { c in if c.rank == 0 { try c.barrier(label: "step") } }
        XCTAssertThrowsError(try results[0].get()) { XCTAssertTrue("\($0)".contains("did not arrive within"), "\($0)") }
    }

    func test_detached_runs_collectives_off_the_cooperative_pool() async throws {
        let one: any Communicator = SingleProcessCommunicator()
        let sums = try await one.detached { try $0.allReduce([1, 2], op: .sum, label: "t") }
        XCTAssertEqual(sums, [1, 2])
    }
}
