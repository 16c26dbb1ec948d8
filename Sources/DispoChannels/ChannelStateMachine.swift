// The pure state machine of `BoundedChannel`: what happens on send, receive, finish, fail and
// cancellation, and the channel's metrics. It holds no locks and starts no tasks; it returns actions that
// name which waiting producer or consumer to resume and how, and the storage carries them out after
// releasing its lock. Producers and consumers are opaque tokens (continuations in the channel, plain
// values in tests), each with an id so that cancellation can find it.
//
// Contract:
// - At most `capacity` elements are buffered. A send into a full buffer waits (back pressure) until a
//   receive makes room; a send when a consumer is waiting hands the element over directly.
// - Waiting producers and consumers are served first come, first served.
// - finish(): buffered elements can still be received; then every receive returns nil. Producers still
//   waiting, and later sends, fail with `ChannelClosedError`.
// - fail(error): buffered elements are dropped; every waiting and later receive and send fails with error.
// - cancel(id): a waiting producer (its element is dropped) or consumer is removed and fails with
//   CancellationError. An id cancelled before it was registered fails as soon as it registers.

public struct ChannelClosedError: Error, CustomStringConvertible, Sendable {
    public var channel: String
    public var description: String { "channel \(channel) is finished: nothing more can be sent" }
}

public struct ChannelStateMachine<Element, Producer, Consumer> {
    public enum Phase { case open, finished, failed(any Error) }

    public enum SendAction {
        /// Buffered: resume the producer at once.
        case resumeProducer(Producer)
        /// Handed to a waiting consumer: resume both.
        case deliver(Producer, Consumer, Element)
        /// Buffer full: the producer waits.
        case wait
        case failProducer(Producer, any Error)
    }

    public enum ReceiveAction {
        /// Resume the consumer with an element (nil: finished), and the producer whose element took the free slot.
        case resumeConsumer(Consumer, Element?, resumeProducer: Producer?)
        case wait
        case failConsumer(Consumer, any Error)
    }

    public struct Waiters {
        public var producers: [Producer] = []
        public var consumers: [Consumer] = []
        public init(producers: [Producer] = [], consumers: [Consumer] = []) {
            self.producers = producers
            self.consumers = consumers
        }
    }

    public let capacity: Int
    public let name: String
    public private(set) var phase = Phase.open
    private var buffer = FIFO<Element>()
    private var producers = FIFO<(id: UInt64, producer: Producer, element: Element, since: UInt64)>()
    private var consumers = FIFO<(id: UInt64, consumer: Consumer, since: UInt64)>()
    private var cancelledEarly: Set<UInt64> = []
    public private(set) var metrics = ChannelMetrics()
    private var lastChange: UInt64?

    public init(capacity: Int, name: String) {
        precondition(capacity >= 1, "a bounded channel needs capacity >= 1")
        self.capacity = capacity
        self.name = name
    }

    public var bufferedCount: Int { buffer.count }
    public var waitingProducers: Int { producers.count }
    public var waitingConsumers: Int { consumers.count }

    public mutating func send(_ element: Element, producer: Producer, id: UInt64, now: UInt64) -> SendAction {
        account(now)
        metrics.sends += 1
        if cancelledEarly.remove(id) != nil { return .failProducer(producer, CancellationError()) }
        switch phase {
        case .finished: return .failProducer(producer, ChannelClosedError(channel: name))
        case .failed(let error): return .failProducer(producer, error)
        case .open: break
        }
        if let waiting = consumers.pop() {
            metrics.consumerStarvedNanos += now - waiting.since
            metrics.receives += 1
            return .deliver(producer, waiting.consumer, element)
        }
        if buffer.count < capacity {
            buffer.push(element)
            metrics.maxOccupancy = max(metrics.maxOccupancy, buffer.count)
            return .resumeProducer(producer)
        }
        producers.push((id, producer, element, now))
        metrics.producerWaits += 1
        return .wait
    }

    public mutating func receive(consumer: Consumer, id: UInt64, now: UInt64) -> ReceiveAction {
        account(now)
        if cancelledEarly.remove(id) != nil { return .failConsumer(consumer, CancellationError()) }
        if case .failed(let error) = phase { return .failConsumer(consumer, error) }
        if let element = buffer.pop() {
            metrics.receives += 1
            var resumed: Producer?
            if let waiting = producers.pop() {
                metrics.producerBlockedNanos += now - waiting.since
                buffer.push(waiting.element)
                resumed = waiting.producer
            }
            return .resumeConsumer(consumer, element, resumeProducer: resumed)
        }
        if case .finished = phase { return .resumeConsumer(consumer, nil, resumeProducer: nil) }
        consumers.push((id, consumer, now))
        metrics.consumerWaits += 1
        return .wait
    }

    /// Finishes the channel; returns the consumers to resume with nil and the producers to fail.
    public mutating func finish(now: UInt64) -> Waiters {
        account(now)
        guard case .open = phase else { return Waiters() }
        phase = .finished
        return Waiters(producers: producers.drain().map { metrics.producerBlockedNanos += now - $0.since; return $0.producer },
                       consumers: consumers.drain().map { metrics.consumerStarvedNanos += now - $0.since; return $0.consumer })
    }

    /// Fails the channel; returns every waiter, all to be failed with `error`.
    public mutating func fail(_ error: any Error, now: UInt64) -> Waiters {
        account(now)
        if case .failed = phase { return Waiters() }
        phase = .failed(error)
        _ = buffer.drain()
        return Waiters(producers: producers.drain().map(\.producer), consumers: consumers.drain().map(\.consumer))
    }

    public enum Cancelled {
        case producer(Producer)
        case consumer(Consumer)
        case notWaiting
    }

    /// Removes the waiter with `id`; if it is not waiting (yet), remembers the id so that it fails on arrival.
    public mutating func cancel(id: UInt64, now: UInt64) -> Cancelled {
        if let p = producers.remove(where: { $0.id == id }) {
            metrics.producerBlockedNanos += now - p.since
            return .producer(p.producer)
        }
        if let c = consumers.remove(where: { $0.id == id }) {
            metrics.consumerStarvedNanos += now - c.since
            return .consumer(c.consumer)
        }
        cancelledEarly.insert(id)
        return .notWaiting
    }

    /// Forgets an early cancellation of an id that completed without waiting.
    public mutating func retire(id: UInt64) {
        cancelledEarly.remove(id)
    }

    /// Integrates occupancy over time (for the time-weighted mean).
    private mutating func account(_ now: UInt64) {
        if let last = lastChange, now > last {
            metrics.occupancyNanos += Double(buffer.count) * Double(now - last)
            metrics.observedNanos += now - last
        }
        lastChange = max(lastChange ?? now, now)
    }
}

/// What a channel measured: occupancy, and time producers spent blocked and consumers starved.
public struct ChannelMetrics: Sendable, Equatable, Codable {
    public var sends = 0
    public var receives = 0
    public var maxOccupancy = 0
    /// ∫ buffered count dt, in element·nanoseconds.
    public var occupancyNanos = 0.0
    public var observedNanos: UInt64 = 0
    /// Total time producers spent waiting for room.
    public var producerBlockedNanos: UInt64 = 0
    public var producerWaits = 0
    /// Total time consumers spent waiting for an element.
    public var consumerStarvedNanos: UInt64 = 0
    public var consumerWaits = 0

    /// Time-weighted mean number of buffered elements.
    public var meanOccupancy: Double { observedNanos == 0 ? 0 : occupancyNanos / Double(observedNanos) }
}
