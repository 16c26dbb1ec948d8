// ChannelStateMachine without tasks: producers and consumers are plain strings, time is given.
import DispoChannels
import XCTest

final class ChannelStateMachineTests: XCTestCase {
    typealias Machine = ChannelStateMachine<Int, String, String>

    func test_send_buffers_until_capacity_then_producer_waits() {
        // Given a channel of capacity 2
        var m = Machine(capacity: 2, name: "t")
        // When three sends arrive
        guard case .resumeProducer("p1") = m.send(1, producer: "p1", id: 1, now: 0),
              case .resumeProducer("p2") = m.send(2, producer: "p2", id: 2, now: 0),
              case .wait = m.send(3, producer: "p3", id: 3, now: 10) else { return XCTFail("wrong actions") }
        // Then the third waits, and a receive both delivers 1 and frees p3 (whose 3 takes the slot)
        XCTAssertEqual(m.waitingProducers, 1)
        guard case .resumeConsumer("c1", 1, resumeProducer: "p3") = m.receive(consumer: "c1", id: 4, now: 30) else {
            return XCTFail("receive should deliver 1 and resume p3")
        }
        XCTAssertEqual(m.bufferedCount, 2)
        XCTAssertEqual(m.metrics.producerBlockedNanos, 20)
        XCTAssertEqual(m.metrics.maxOccupancy, 2)
    }

    func test_receive_on_empty_waits_and_send_hands_over_directly() {
        var m = Machine(capacity: 1, name: "t")
        guard case .wait = m.receive(consumer: "c1", id: 1, now: 5) else { return XCTFail("should wait") }
        guard case .deliver("p1", "c1", 7) = m.send(7, producer: "p1", id: 2, now: 12) else { return XCTFail("should deliver") }
        XCTAssertEqual(m.bufferedCount, 0)
        XCTAssertEqual(m.metrics.consumerStarvedNanos, 7)
    }

    func test_waiters_are_served_in_arrival_order() {
        var m = Machine(capacity: 1, name: "t")
        _ = m.receive(consumer: "c1", id: 1, now: 0)
        _ = m.receive(consumer: "c2", id: 2, now: 0)
        guard case .deliver(_, "c1", 1) = m.send(1, producer: "p", id: 3, now: 1),
              case .deliver(_, "c2", 2) = m.send(2, producer: "p", id: 4, now: 1) else { return XCTFail("FIFO order") }
    }

    func test_finish_drains_buffer_then_returns_nil_and_fails_senders() {
        var m = Machine(capacity: 1, name: "t")
        _ = m.send(1, producer: "p1", id: 1, now: 0)
        _ = m.send(2, producer: "p2", id: 2, now: 0)      // waits
        let waiters = m.finish(now: 1)
        XCTAssertEqual(waiters.producers, ["p2"])
        guard case .resumeConsumer(_, 1, resumeProducer: nil) = m.receive(consumer: "c", id: 3, now: 2),
              case .resumeConsumer(_, nil, resumeProducer: nil) = m.receive(consumer: "c", id: 4, now: 2),
              case .failProducer("p3", let error) = m.send(3, producer: "p3", id: 5, now: 3) else {
            return XCTFail("finish semantics")
        }
        XCTAssertTrue(error is ChannelClosedError)
    }

    func test_fail_drops_buffer_and_fails_everyone() {
        struct Boom: Error {}
        var m = Machine(capacity: 2, name: "t")
        _ = m.send(1, producer: "p1", id: 1, now: 0)
        let waiters = m.fail(Boom(), now: 1)
        XCTAssertTrue(waiters.producers.isEmpty && waiters.consumers.isEmpty)
        guard case .failConsumer(_, let error) = m.receive(consumer: "c", id: 2, now: 2) else { return XCTFail("should fail") }
        XCTAssertTrue(error is Boom)
        guard case .failProducer = m.send(2, producer: "p", id: 3, now: 2) else { return XCTFail("should fail") }
    }

    func test_cancel_removes_waiter_and_early_cancel_fails_on_arrival() {
        var m = Machine(capacity: 1, name: "t")
        _ = m.send(1, producer: "p1", id: 1, now: 0)
        _ = m.send(2, producer: "p2", id: 2, now: 0)
        guard case .producer("p2") = m.cancel(id: 2, now: 4) else { return XCTFail("p2 was waiting") }
        // Its element is dropped: only 1 is delivered.
        guard case .resumeConsumer(_, 1, resumeProducer: nil) = m.receive(consumer: "c", id: 3, now: 5) else { return XCTFail("") }
        guard case .notWaiting = m.cancel(id: 9, now: 5) else { return XCTFail("9 never arrived") }
        guard case .failConsumer(_, let error) = m.receive(consumer: "c9", id: 9, now: 6) else { return XCTFail("early cancel") }
        XCTAssertTrue(error is CancellationError)
    }

    func test_occupancy_is_time_weighted() {
        var m = Machine(capacity: 4, name: "t")
        _ = m.send(1, producer: "p", id: 1, now: 0)    // 1 element from t=0
        _ = m.send(2, producer: "p", id: 2, now: 10)   // 2 elements from t=10
        _ = m.receive(consumer: "c", id: 3, now: 30)   // back to 1 at t=30
        _ = m.finish(now: 40)
        XCTAssertEqual(m.metrics.meanOccupancy, (1.0 * 10 + 2.0 * 20 + 1.0 * 10) / 40, accuracy: 1e-12)
    }
}
