// A dedicated thread for long synchronous compute (sampling, learning), so it never blocks Swift's
// cooperative pool where the light stages and channels run. Work submitted to one ComputeThread runs in
// order, one piece at a time.

import Dispatch

public final class ComputeThread: Sendable {
    private let queue: DispatchQueue

    public init(name: String) {
        queue = DispatchQueue(label: "dispo.\(name)", qos: .userInitiated)
    }

    /// Runs `work` on this thread and returns its result to the awaiting task.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
        }
    }
}

/// A value handed between threads whose owner guarantees exclusive use (e.g. a model that only one
/// ComputeThread touches at a time).
public final class Exclusive<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
