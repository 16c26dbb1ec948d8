// The collective operations a data-parallel run needs, behind one protocol: all-reduce of Float and Double
// buffers, broadcast and all-gather of byte blobs (any length per rank), and a barrier. Implementations: one
// process (`SingleProcessCommunicator`), threads of one process (`LocalGroup`, for tests), and MPI processes
// (`MPICommunicator`, compiled in with the package's MPI trait).
//
// Contract (as in MPI): every rank calls the same collectives in the same order with matching arguments
// (the same element count for an all-reduce, the same root for a broadcast). Each collective carries a label
// naming the call site ("learner.gradients"); implementations check that all ranks are at the same label and
// throw `CommunicatorError` naming each rank's label when they are not, instead of mixing up data or hanging.
// Calls block the calling thread until this rank's part of the collective is complete; from async code use
// `detached(_:)` so a cooperative thread is not blocked.

import Foundation

public enum ReduceOp: String, Sendable, CaseIterable {
    case sum, max, min
}

public protocol Communicator: AnyObject, Sendable {
    /// This process's rank, in 0 ..< size.
    var rank: Int { get }
    /// Number of ranks.
    var size: Int { get }
    /// What carries the collectives, e.g. "single process" or "Open MPI v4.1.4 …".
    var implementation: String { get }

    /// Replaces `buffer` on every rank by the element-wise reduction over ranks (in place).
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws
    func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws
    /// Returns `root`'s bytes on every rank (other ranks' `bytes` are ignored).
    func broadcast(_ bytes: [UInt8], root: Int, label: String) throws -> [UInt8]
    /// Returns every rank's bytes, indexed by rank; lengths may differ between ranks.
    func allGather(_ bytes: [UInt8], label: String) throws -> [[UInt8]]
    /// Returns once every rank has called it.
    func barrier(label: String) throws
    /// Ends communication (collective: every rank calls it once, after its last collective).
    func finalize() throws
}

public struct CommunicatorError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The ranks were not at the same collective.
    static func mismatch(_ labels: [String]) -> CommunicatorError {
        let list = labels.enumerated().map { "rank \($0.offset): \($0.element)" }.joined(separator: "; ")
        return CommunicatorError("ranks issued different collectives (\(list)); every rank must issue the same collectives "
                                 + "in the same order")
    }
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// All-reduce of a small array of doubles (counts, sums, extremes); returns the reduced array.
    public func allReduce(_ values: [Double], op: ReduceOp, label: String) throws -> [Double] {
        var out = values
        try out.withUnsafeMutableBufferPointer { try allReduce($0, op: op, label: label) }
        return out
    }

    /// Every rank's array of doubles, indexed by rank (lengths may differ).
    public func allGather(doubles values: [Double], label: String) throws -> [[Double]] {
        var writer = WireWriter()
        writer.doubles(values)
        return try allGather(writer.bytes, label: label).enumerated().map { rank, bytes in
            var reader = WireReader(bytes, what: "all-gather '\(label)' from rank \(rank)")
            let out = try reader.doubles()
            try reader.end()
            return out
        }
    }

    /// Runs `body` with this communicator on a thread of its own and returns its result, so that async code
    /// can wait for collectives without blocking a thread of Swift's cooperative pool.
    public func detached<T: Sendable>(_ body: @escaping @Sendable (any Communicator) throws -> T) async throws -> T {
        let communicator: any Communicator = self
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body(communicator)) } catch { continuation.resume(throwing: error) }
            }
            thread.name = "dispo.collective"
            thread.start()
        }
    }
}
