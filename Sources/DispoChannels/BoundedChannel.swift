// A bounded, multi-producer multi-consumer async channel: the links between the pipeline's stages.
//
// - Capacity is in elements. `send` suspends while the buffer is full: a slow consumer slows its
//   producers (back pressure) instead of letting memory grow.
// - Whoever knows the stream is complete calls `finish()` (the last producer, usually); consumers drain
//   what is buffered and then receive nil. `fail(error)` propagates a failure downstream: every waiting
//   and later `receive` and `send` throws it.
// - Cancellation is clean: a task cancelled while waiting in `send` or `receive` is removed, its
//   continuation resumed with CancellationError (a waiting producer's element is dropped); nothing leaks.
// - `metrics` reports occupancy, time producers spent blocked and time consumers spent starved.
//
// Three pieces, as in swift-async-algorithms: this thin public type, the pure ChannelStateMachine, and
// the storage below, which runs the machine under a lock and resumes continuations after releasing it.

import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class BoundedChannel<Element: Sendable>: Sendable {
    typealias Machine = ChannelStateMachine<Element, CheckedContinuation<Void, any Error>,
                                            CheckedContinuation<Element?, any Error>>

    public let name: String
    public let capacity: Int
    private let state: Mutex<Machine>
    private let ids = Atomic<UInt64>(0)
    private let clock: @Sendable () -> UInt64

    /// `clock` returns monotonic nanoseconds; tests pass a manual clock.
    public init(name: String, capacity: Int, clock: @escaping @Sendable () -> UInt64 = BoundedChannel.monotonicNanos) {
        self.name = name
        self.capacity = capacity
        self.clock = clock
        state = Mutex(Machine(capacity: capacity, name: name))
    }

    /// Sends `element`, waiting while the channel is full. Throws ChannelClosedError after finish(), the
    /// failure after fail(_:), CancellationError if the task is cancelled while waiting.
    public func send(_ element: Element) async throws {
        let id = ids.add(1, ordering: .relaxed).newValue
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let action = state.withLock { $0.send(element, producer: continuation, id: id, now: clock()) }
                switch action {
                case .resumeProducer(let p): p.resume()
                case .deliver(let p, let c, let e):
                    c.resume(returning: e)
                    p.resume()
                case .wait: break
                case .failProducer(let p, let error): p.resume(throwing: error)
                }
            }
        } onCancel: {
            cancel(id)
        }
        if Task.isCancelled { state.withLock { $0.retire(id: id) } }
    }

    /// The next element; nil once the channel is finished and drained. Throws the failure after
    /// fail(_:), CancellationError if the task is cancelled while waiting.
    public func receive() async throws -> Element? {
        let id = ids.add(1, ordering: .relaxed).newValue
        let element = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
                let action = state.withLock { $0.receive(consumer: continuation, id: id, now: clock()) }
                switch action {
                case .resumeConsumer(let c, let e, let p):
                    p?.resume()
                    c.resume(returning: e)
                case .wait: break
                case .failConsumer(let c, let error): c.resume(throwing: error)
                }
            }
        } onCancel: {
            cancel(id)
        }
        if Task.isCancelled { state.withLock { $0.retire(id: id) } }
        return element
    }

    /// No more elements will be sent. Idempotent.
    public func finish() {
        let waiters = state.withLock { $0.finish(now: clock()) }
        for c in waiters.consumers { c.resume(returning: nil) }
        for p in waiters.producers { p.resume(throwing: ChannelClosedError(channel: name)) }
    }

    /// Fails the channel with `error`, downstream and upstream. The first failure wins.
    public func fail(_ error: any Error) {
        let waiters = state.withLock { $0.fail(error, now: clock()) }
        for c in waiters.consumers { c.resume(throwing: error) }
        for p in waiters.producers { p.resume(throwing: error) }
    }

    public var metrics: ChannelMetrics { state.withLock { $0.metrics } }
    public var bufferedCount: Int { state.withLock { $0.bufferedCount } }

    private func cancel(_ id: UInt64) {
        let cancelled = state.withLock { $0.cancel(id: id, now: clock()) }
        switch cancelled {
        case .producer(let p): p.resume(throwing: CancellationError())
        case .consumer(let c): c.resume(throwing: CancellationError())
        case .notWaiting: break
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    @Sendable public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

extension BoundedChannel: AsyncSequence {
    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: BoundedChannel
        public mutating func next() async throws -> Element? { try await channel.receive() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: self) }
}
