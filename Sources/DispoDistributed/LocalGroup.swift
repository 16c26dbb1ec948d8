// N ranks as threads of one process: `LocalGroup(size: N).communicators[r]` is rank r's communicator. Each
// collective is a rendezvous: every rank deposits its contribution, the last to arrive combines them in rank
// order (so a sum is ((x₀ + x₁) + x₂) …, the same on every rank and in every run), and all ranks take the
// result. It lets the data-parallel code paths be tested in one process, without MPI.
//
// A rank that fails calls `abandon(rank:reason:)`; the others then throw instead of waiting for it. A wait
// longer than `timeout` throws too, so a test whose ranks disagree ends instead of hanging.

import Foundation

public final class LocalGroup: @unchecked Sendable {
    public let size: Int
    public let timeout: TimeInterval
    /// Rank r's communicator at index r.
    public var communicators: [LocalCommunicator] { (0..<size).map { LocalCommunicator(group: self, rank: $0) } }

    private enum Payload {
        case floats([Float]), doubles([Double]), bytes([UInt8]), none
    }
    private struct Contribution {
        var signature: String
        var payload: Payload
    }

    // State of the current rendezvous, guarded by `condition`.
    private let condition = NSCondition()
    private var contributions: [Contribution?]
    private var arrived = 0
    private var departed = 0
    private var combined: Result<[Contribution], CommunicatorError>?
    private var abandoned: String?

    public init(size: Int, timeout: TimeInterval = 60) {
        precondition(size >= 1, "a group needs at least one rank")
        self.size = size
        self.timeout = timeout
        contributions = Array(repeating: nil, count: size)
    }

    /// Marks `rank` as failed: collectives in progress or to come throw on every other rank.
    public func abandon(rank: Int, reason: String) {
        condition.lock()
        if abandoned == nil { abandoned = "rank \(rank) failed: \(reason)" }
        condition.broadcast()
        condition.unlock()
    }

    /// Deposits `payload` and returns every rank's contribution (indexed by rank) once all have arrived.
    private func rendezvous(rank: Int, signature: String, payload: Payload) throws -> [Contribution] {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        func wait(while blocked: () -> Bool) throws {
            while blocked() {
                if let abandoned { throw CommunicatorError("collective '\(signature)': \(abandoned)") }
                if !condition.wait(until: deadline) {
                    throw CommunicatorError("collective '\(signature)' on rank \(rank): the other ranks did not arrive within \(timeout) s")
                }
            }
            if let abandoned { throw CommunicatorError("collective '\(signature)': \(abandoned)") }
        }
        try wait { combined != nil }              // the previous rendezvous is still being left
        contributions[rank] = Contribution(signature: signature, payload: payload)
        arrived += 1
        if arrived == size {
            let all = contributions.map { $0! }
            let signatures = all.map(\.signature)
            combined = Set(signatures).count == 1 ? .success(all) : .failure(.mismatch(signatures))
            condition.broadcast()
        }
        try wait { combined == nil }
        let result = combined!
        departed += 1
        if departed == size {
            contributions = Array(repeating: nil, count: size)
            arrived = 0
            departed = 0
            combined = nil
            condition.broadcast()
        }
        return try result.get()
    }

    private func allReduce<T: BinaryFloatingPoint>(rank: Int, _ buffer: UnsafeMutableBufferPointer<T>, op: ReduceOp, label: String,
                                                   wrap: ([T]) -> Payload, unwrap: (Payload) -> [T]?) throws {
        let all = try rendezvous(rank: rank, signature: "\(label) (all-reduce \(op.rawValue) of \(buffer.count) \(T.self))",
                                 payload: wrap(Array(buffer)))
        let parts = all.map { unwrap($0.payload)! }
        for i in 0..<buffer.count {
            var acc = parts[0][i]
            for part in parts.dropFirst() {
                switch op {
                case .sum: acc += part[i]
                case .max: acc = Swift.max(acc, part[i])
                case .min: acc = Swift.min(acc, part[i])
                }
            }
            buffer[i] = acc
        }
    }

    func allReduceFloats(rank: Int, _ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws {
        try allReduce(rank: rank, buffer, op: op, label: label, wrap: { .floats($0) }) {
            if case .floats(let v) = $0 { return v } else { return nil }
        }
    }

    func allReduceDoubles(rank: Int, _ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws {
        try allReduce(rank: rank, buffer, op: op, label: label, wrap: { .doubles($0) }) {
            if case .doubles(let v) = $0 { return v } else { return nil }
        }
    }

    func allGather(rank: Int, _ bytes: [UInt8], label: String) throws -> [[UInt8]] {
        try rendezvous(rank: rank, signature: "\(label) (all-gather)", payload: .bytes(bytes)).map {
            if case .bytes(let b) = $0.payload { return b } else { return [] }
        }
    }

    func broadcast(rank: Int, _ bytes: [UInt8], root: Int, label: String) throws -> [UInt8] {
        guard (0..<size).contains(root) else { throw CommunicatorError("broadcast '\(label)': root \(root) is not a rank of \(size)") }
        let all = try rendezvous(rank: rank, signature: "\(label) (broadcast from \(root))", payload: .bytes(bytes))
        if case .bytes(let b) = all[root].payload { return b }
        return []
    }

    func barrier(rank: Int, label: String) throws {
        _ = try rendezvous(rank: rank, signature: "\(label) (barrier)", payload: .none)
    }
}

/// Rank `rank` of a `LocalGroup`.
public final class LocalCommunicator: Communicator {
    private let group: LocalGroup
    public let rank: Int

    init(group: LocalGroup, rank: Int) {
        self.group = group
        self.rank = rank
    }

    public var size: Int { group.size }
    public var implementation: String { "\(group.size) threads of one process" }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws {
        try group.allReduceFloats(rank: rank, buffer, op: op, label: label)
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws {
        try group.allReduceDoubles(rank: rank, buffer, op: op, label: label)
    }

    public func broadcast(_ bytes: [UInt8], root: Int, label: String) throws -> [UInt8] {
        try group.broadcast(rank: rank, bytes, root: root, label: label)
    }

    public func allGather(_ bytes: [UInt8], label: String) throws -> [[UInt8]] {
        try group.allGather(rank: rank, bytes, label: label)
    }

    public func barrier(label: String) throws {
        try group.barrier(rank: rank, label: label)
    }

    public func finalize() throws {}
}
