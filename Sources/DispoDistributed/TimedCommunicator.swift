// A communicator that forwards to another and records, per label, how many collectives ran, their wall time
// on this rank (waiting for slower ranks included) and the bytes this rank contributed — for benchmarks and
// per-step timing metrics (e.g. the share of a learner step spent in "learner.gradients").

import Foundation

public final class TimedCommunicator: Communicator, @unchecked Sendable {
    public struct Totals: Sendable, Equatable {
        public var calls = 0
        public var seconds = 0.0
        public var bytes = 0
    }

    public let base: any Communicator
    private let lock = NSLock()
    private var totals: [String: Totals] = [:]     // guarded by `lock`

    public init(_ base: any Communicator) { self.base = base }

    public var rank: Int { base.rank }
    public var size: Int { base.size }
    public var implementation: String { base.implementation }

    /// Totals per label since the last `reset()`.
    public var byLabel: [String: Totals] {
        lock.lock()
        defer { lock.unlock() }
        return totals
    }

    public func reset() {
        lock.lock()
        totals = [:]
        lock.unlock()
    }

    private func timed<T>(_ label: String, bytes: Int, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            lock.lock()
            totals[label, default: Totals()].calls += 1
            totals[label, default: Totals()].seconds += seconds
            totals[label, default: Totals()].bytes += bytes
            lock.unlock()
        }
        return try body()
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws {
        try timed(label, bytes: buffer.count * 4) { try base.allReduce(buffer, op: op, label: label) }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws {
        try timed(label, bytes: buffer.count * 8) { try base.allReduce(buffer, op: op, label: label) }
    }

    public func broadcast(_ bytes: [UInt8], root: Int, label: String) throws -> [UInt8] {
        try timed(label, bytes: bytes.count) { try base.broadcast(bytes, root: root, label: label) }
    }

    public func allGather(_ bytes: [UInt8], label: String) throws -> [[UInt8]] {
        try timed(label, bytes: bytes.count) { try base.allGather(bytes, label: label) }
    }

    public func barrier(label: String) throws {
        try timed(label, bytes: 0) { try base.barrier(label: label) }
    }

    public func finalize() throws { try base.finalize() }
}
