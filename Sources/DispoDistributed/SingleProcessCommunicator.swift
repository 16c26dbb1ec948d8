// The communicator of a run in one process: rank 0 of 1. Every collective returns this rank's own data, so
// code written for N ranks runs unchanged (and computes exactly what it computed before it knew of ranks).

public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var implementation: String { "single process" }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws {}
    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws {}

    public func broadcast(_ bytes: [UInt8], root: Int, label: String) throws -> [UInt8] {
        guard root == 0 else { throw CommunicatorError("broadcast '\(label)': root \(root) is not a rank (one process: rank 0)") }
        return bytes
    }

    public func allGather(_ bytes: [UInt8], label: String) throws -> [[UInt8]] { [bytes] }

    public func barrier(label: String) throws {}

    public func finalize() throws {}
}
