// A dictionary whose values can be awaited before they are set: the pipeline's rendezvous points (policy
// versions published by the learner, step boundaries recorded by the filter). Every wait ends one of three
// ways: the value is set, the map is failed (the pipeline's first error, which every later wait also gets),
// or the waiting task is cancelled (CancellationError). So no stage can hang on a value that will never come.
// Reads and writes are synchronous (a compute thread may ask), under one lock; continuations resume outside it.

import Synchronization

public final class AwaitableMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct State {
        var values: [Key: Value] = [:]
        var waiters: [Key: [(id: UInt64, continuation: CheckedContinuation<Value, any Error>)]] = [:]
        var failure: (any Error)?
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    private enum Outcome { case ready(Value), failed(any Error), wait }

    public init() {}

    /// Sets `value` for `key` and wakes its waiters.
    public func set(_ key: Key, _ value: Value) {
        let waiting = state.withLock { s -> [CheckedContinuation<Value, any Error>] in
            s.values[key] = value
            return (s.waiters.removeValue(forKey: key) ?? []).map(\.continuation)
        }
        for w in waiting { w.resume(returning: value) }
    }

    /// The value of `key` if it is set.
    public subscript(key: Key) -> Value? { state.withLock { $0.values[key] } }

    /// The value of `key`, waiting until it is set.
    public func value(for key: Key) async throws -> Value {
        let id = state.withLock { s -> UInt64 in s.nextID += 1; return s.nextID }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let outcome = state.withLock { s -> Outcome in
                    if let v = s.values[key] { return .ready(v) }
                    if let failure = s.failure { return .failed(failure) }
                    if Task.isCancelled { return .failed(CancellationError()) }
                    s.waiters[key, default: []].append((id, continuation))
                    return .wait
                }
                switch outcome {
                case .ready(let v): continuation.resume(returning: v)
                case .failed(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            let cancelled = state.withLock { s -> CheckedContinuation<Value, any Error>? in
                guard let i = s.waiters[key]?.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters[key]?.remove(at: i).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Keeps only the entries for which `isIncluded` is true.
    public func keep(where isIncluded: (Key) -> Bool) {
        state.withLock { s in s.values = s.values.filter { isIncluded($0.key) } }
    }

    /// The entries for which `isIncluded` is true.
    public func entries(where isIncluded: (Key) -> Bool) -> [Key: Value] {
        state.withLock { s in s.values.filter { isIncluded($0.key) } }
    }

    /// Fails every present and future wait for an unset key with `error` (the first failure wins).
    public func fail(_ error: any Error) {
        let waiting = state.withLock { s -> [CheckedContinuation<Value, any Error>] in
            if s.failure == nil { s.failure = error }
            let all = s.waiters.values.flatMap { $0.map(\.continuation) }
            s.waiters = [:]
            return all
        }
        for w in waiting { w.resume(throwing: error) }
    }
}
