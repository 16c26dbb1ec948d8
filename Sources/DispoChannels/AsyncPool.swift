// A pool of interchangeable resources (plugin processes, connection slots): `take` hands out a free one,
// waiting while none is free; `put` returns it. Waiters are served first come, first served; a cancelled
// waiter leaves the queue with CancellationError. This is how a stage bounds its concurrency.

import Synchronization

public final class AsyncPool<Item: Sendable>: Sendable {
    private struct State {
        var free: [Item]
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Item, any Error>)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(_ items: [Item]) {
        state = Mutex(State(free: items))
    }

    /// A free item, waiting for one to be put back when none is.
    public func take() async throws -> Item {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Item, any Error>) in
                let ready = state.withLock { s -> Result<Item, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !s.free.isEmpty { return .success(s.free.removeLast()) }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> CheckedContinuation<Item, any Error>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Returns `item` to the pool (to the longest waiter, if any).
    public func put(_ item: Item) {
        let waiter = state.withLock { s -> CheckedContinuation<Item, any Error>? in
            if s.waiters.isEmpty { s.free.append(item); return nil }
            return s.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: item)
    }

    /// The free items, taken out of the pool.
    public func drain() -> [Item] {
        state.withLock { s in defer { s.free = [] }; return s.free }
    }
}
