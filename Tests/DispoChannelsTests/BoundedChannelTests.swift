// BoundedChannel with real tasks. No sleeps decide outcomes: tests wait for observable states
// (buffer full, a waiter registered) before acting.
import DispoChannels
import XCTest

final class BoundedChannelTests: XCTestCase {
    /// Yields until `condition` holds (bounded: fails after ~10 s).
    private func eventually(_ condition: () -> Bool, file: StaticString = #filePath, line: UInt = #line) async {
        for _ in 0..<100_000 where !condition() { await Task.yield(); if condition() { return }; try? await Task.sleep(nanoseconds: 100_000) }
        XCTAssertTrue(condition(), "condition never held", file: file, line: line)
    }

    func test_channel_suspends_producer_when_full() async throws {
        // Given a channel of capacity 2 holding 2 elements
        let channel = BoundedChannel<Int>(name: "t", capacity: 2)
        try await channel.send(1)
        try await channel.send(2)
        // When a third send starts
        let sent = ManagedFlag()
        let producer = Task { try await channel.send(3); sent.set() }
        await eventually { channel.metrics.producerWaits == 1 }
        // Then it has not completed until a receive makes room
        XCTAssertFalse(sent.isSet)
        let first = try await channel.receive()
        XCTAssertEqual(first, 1)
        try await producer.value
        XCTAssertTrue(sent.isSet)
        let rest = [try await channel.receive(), try await channel.receive()]
        XCTAssertEqual(rest, [2, 3])
    }

    func test_many_producers_and_consumers_deliver_everything_once() async throws {
        let channel = BoundedChannel<Int>(name: "t", capacity: 3)
        let received = try await withThrowingTaskGroup(of: [Int].self) { group in
            for p in 0..<4 {
                group.addTask { for i in 0..<250 { try await channel.send(p * 1000 + i) }; return [] }
            }
            for _ in 0..<3 {
                group.addTask { var got: [Int] = []; for try await x in channel { got.append(x) }; return got }
            }
            // Finish once the producers are done: wait for 1000 sends.
            group.addTask {
                while channel.metrics.sends < 1000 { await Task.yield() }
                channel.finish()
                return []
            }
            var all: [Int] = []
            for try await part in group { all += part }
            return all
        }
        XCTAssertEqual(received.sorted(), (0..<4).flatMap { p in (0..<250).map { p * 1000 + $0 } })
        XCTAssertLessThanOrEqual(channel.metrics.maxOccupancy, 3)
    }

    func test_finish_lets_consumers_drain_then_end() async throws {
        let channel = BoundedChannel<String>(name: "t", capacity: 4)
        try await channel.send("a")
        try await channel.send("b")
        channel.finish()
        var got: [String] = []
        for try await x in channel { got.append(x) }
        XCTAssertEqual(got, ["a", "b"])
        do { try await channel.send("c"); XCTFail("send after finish must throw") } catch is ChannelClosedError {}
    }

    func test_failure_propagates_to_waiting_consumer() async throws {
        struct Boom: Error {}
        let channel = BoundedChannel<Int>(name: "t", capacity: 1)
        let consumer = Task { try await channel.receive() }
        await eventually { channel.metrics.consumerWaits == 1 }
        channel.fail(Boom())
        do { _ = try await consumer.value; XCTFail("must throw") } catch is Boom {}
    }

    func test_cancelling_a_waiting_producer_drops_its_element_and_leaks_nothing() async throws {
        let channel = BoundedChannel<Int>(name: "t", capacity: 1)
        try await channel.send(1)
        let producer = Task { try await channel.send(2) }
        await eventually { channel.metrics.producerWaits == 1 }
        producer.cancel()
        do { try await producer.value; XCTFail("must throw") } catch is CancellationError {}
        let first = try await channel.receive()
        XCTAssertEqual(first, 1)
        XCTAssertEqual(channel.bufferedCount, 0)
        channel.finish()
        let end = try await channel.receive()
        XCTAssertNil(end)
    }

    func test_cancelling_a_waiting_consumer() async throws {
        let channel = BoundedChannel<Int>(name: "t", capacity: 1)
        let consumer = Task { try await channel.receive() }
        await eventually { channel.metrics.consumerWaits == 1 }
        consumer.cancel()
        do { _ = try await consumer.value; XCTFail("must throw") } catch is CancellationError {}
        // The channel still works: the next element goes to the next consumer.
        try await channel.send(5)
        let next = try await channel.receive()
        XCTAssertEqual(next, 5)
    }

    func test_metrics_use_the_given_clock() async throws {
        let clock = ManualClock()
        let channel = BoundedChannel<Int>(name: "t", capacity: 1, clock: { clock.now })
        let consumer = Task { try await channel.receive() }
        await eventually { channel.metrics.consumerWaits == 1 }
        clock.advance(by: 500)
        try await channel.send(1)
        _ = try await consumer.value
        XCTAssertEqual(channel.metrics.consumerStarvedNanos, 500)
    }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var nanos: UInt64 = 0
    var now: UInt64 { lock.lock(); defer { lock.unlock() }; return nanos }
    func advance(by delta: UInt64) { lock.lock(); nanos += delta; lock.unlock() }
}

import Foundation
