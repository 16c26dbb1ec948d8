// The communicator of ranks that are MPI processes (compiled in with the package's MPI trait; Debian's
// libopenmpi-dev). One `OwnerThread` initialises MPI (MPI_THREAD_FUNNELED) and makes every MPI call, in the
// order the calls were submitted; callers block until their collective is done. The ranks talk on a
// duplicate of MPI_COMM_WORLD, whose error handler is MPI's default (errors are fatal: MPI ends the job).
//
// Before each collective the ranks compare a 64-bit hash of its signature (label, kind, element count) in one
// small all-reduce (max of h and of ¬h): if they differ, every rank sees it, the labels are gathered and each
// rank throws an error naming them — instead of reducing unrelated buffers or waiting forever. That all-reduce
// is non-blocking and waited for between short sleeps, so a rank waiting for the others leaves its core free.
// MPI counts are 32-bit: larger buffers are reduced in chunks of 2^28 elements.

#if MPI
import CMPI
import DispoSupport
import Foundation

public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let implementation: String
    private let owner: OwnerThread
    private let comm: UncheckedSendable<MPI_Comm>
    private let watchdog: CollectiveWatchdog?
    private let finalized = NSLock()
    private var isFinalized = false      // guarded by `finalized`
    static let chunk = 1 << 28

    /// The version string of the MPI library this binary links ("Open MPI v4.1.4, package: …").
    public static func libraryVersion() -> String {
        var text = [CChar](repeating: 0, count: Int(dispo_mpi_max_library_version_string()) + 1)
        var length: Int32 = 0
        _ = MPI_Get_library_version(&text, &length)
        return Self.string(text, length: length).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The text of a C buffer filled by MPI: `length` characters at most, up to the first NUL.
    static func string(_ text: [CChar], length: Int32) -> String {
        let bytes = text.prefix(Int(max(0, length))).prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Initialises MPI on a new owner thread. `timeout` (seconds, nil = none) arms the collective watchdog.
    init(timeout: TimeInterval?) throws {
        // A rank waiting in a collective polls. Open MPI polls without yielding the core unless it knows the
        // node is oversubscribed — and a dispo rank has its own sampler and learner threads besides, which
        // that spinning starves (2 ranks on 2 cores ran 0.6× one process; yielding: 1.5×, docs/BENCHMARKS.md).
        // So ranks yield while they wait, unless the launch sets the parameter itself.
        setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
        let owner = OwnerThread(name: "dispo.mpi")
        let (comm, rank, size) = try owner.run { () throws -> (UncheckedSendable<MPI_Comm>, Int, Int) in
            var provided: Int32 = 0
            try Self.check(MPI_Init_thread(nil, nil, dispo_mpi_thread_funneled(), &provided), "MPI_Init_thread")
            var comm: MPI_Comm? = dispo_mpi_comm_null()
            try Self.check(MPI_Comm_dup(dispo_mpi_comm_world(), &comm), "MPI_Comm_dup")
            var rank: Int32 = 0, size: Int32 = 0
            try Self.check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank")
            try Self.check(MPI_Comm_size(comm, &size), "MPI_Comm_size")
            return (UncheckedSendable(comm!), Int(rank), Int(size))
        }
        self.owner = owner
        self.comm = comm
        self.rank = rank
        self.size = size
        let version = Self.libraryVersion().split(separator: ",").first.map(String.init) ?? "MPI"
        implementation = "\(version), rank \(rank) of \(size)"
        watchdog = timeout.map { limit in
            CollectiveWatchdog(timeout: limit) { label, waited in
                let message = "dispo: rank \(rank) of \(size): collective '\(label)' has waited \(Int(waited)) s for the other ranks "
                    + "(DISPO_MPI_TIMEOUT=\(Int(limit))): another rank has died or hangs; ending the job\n"
                FileHandle.standardError.write(Data(message.utf8))
                _exit(1)
            }
        }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, op: ReduceOp, label: String) throws {
        try reduce(UncheckedSendable(UnsafeMutableRawPointer(buffer.baseAddress)), count: buffer.count, type: dispo_mpi_float(),
                   stride: 4, op: op, signature: "\(label) (all-reduce \(op.rawValue) of \(buffer.count) Float)")
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Double>, op: ReduceOp, label: String) throws {
        try reduce(UncheckedSendable(UnsafeMutableRawPointer(buffer.baseAddress)), count: buffer.count, type: dispo_mpi_double(),
                   stride: 8, op: op, signature: "\(label) (all-reduce \(op.rawValue) of \(buffer.count) Double)")
    }

    public func broadcast(_ bytes: [UInt8], root: Int, label: String) throws -> [UInt8] {
        guard (0..<size).contains(root) else { throw CommunicatorError("broadcast '\(label)': root \(root) is not a rank of \(size)") }
        let signature = "\(label) (broadcast from \(root))"
        return try collective(signature) { comm in
            var length = Int64(bytes.count)
            try Self.check(MPI_Bcast(&length, 1, dispo_mpi_int64(), Int32(root), comm), "MPI_Bcast")
            guard length >= 0, length <= Int64(Int32.max) else {
                throw CommunicatorError("broadcast '\(label)': \(length) bytes is more than one message carries (2 GiB)")
            }
            var out = self.rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
            try Self.check(MPI_Bcast(&out, Int32(length), dispo_mpi_byte(), Int32(root), comm), "MPI_Bcast")
            return out
        }
    }

    public func allGather(_ bytes: [UInt8], label: String) throws -> [[UInt8]] {
        try collective("\(label) (all-gather)") { comm in try self.gather(bytes, label: label, comm: comm) }
    }

    public func barrier(label: String) throws {
        try collective("\(label) (barrier)") { comm in try Self.check(MPI_Barrier(comm), "MPI_Barrier") }
    }

    /// Ends MPI on this rank (collective: every rank calls it once, last). Collectives afterwards throw.
    public func finalize() throws {
        finalized.lock()
        defer { finalized.unlock() }
        guard !isFinalized else { return }
        isFinalized = true
        watchdog?.stop()
        let comm = self.comm
        try owner.run {
            var handle: MPI_Comm? = comm.value
            try Self.check(MPI_Comm_free(&handle), "MPI_Comm_free")
            try Self.check(MPI_Finalize(), "MPI_Finalize")
        }
        owner.stop()
    }

    // MARK: - On the owner thread

    private func reduce(_ base: UncheckedSendable<UnsafeMutableRawPointer?>, count: Int, type: MPI_Datatype, stride: Int,
                        op: ReduceOp, signature: String) throws {
        let mpiOp = switch op {
        case .sum: dispo_mpi_sum()
        case .max: dispo_mpi_max()
        case .min: dispo_mpi_min()
        }
        let typeBox = UncheckedSendable(type), opBox = UncheckedSendable(mpiOp)
        try collective(signature) { comm in
            guard let base = base.value else { return }
            var start = 0
            while start < count {
                let n = min(Self.chunk, count - start)
                try Self.check(MPI_Allreduce(dispo_mpi_in_place(), base + start * stride, Int32(n), typeBox.value, opBox.value, comm),
                               "MPI_Allreduce")
                start += n
            }
        }
    }

    private func gather(_ bytes: [UInt8], label: String, comm: MPI_Comm) throws -> [[UInt8]] {
        var lengths = [Int64](repeating: 0, count: size)
        var mine = Int64(bytes.count)
        try Self.check(MPI_Allgather(&mine, 1, dispo_mpi_int64(), &lengths, 1, dispo_mpi_int64(), comm), "MPI_Allgather")
        let total = lengths.reduce(0, +)
        guard lengths.allSatisfy({ $0 >= 0 }), total <= Int64(Int32.max) else {
            throw CommunicatorError("all-gather '\(label)': \(total) bytes in all is more than one message carries (2 GiB)")
        }
        var counts = lengths.map { Int32($0) }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var all = [UInt8](repeating: 0, count: Int(total))
        try Self.check(MPI_Allgatherv(bytes, Int32(bytes.count), dispo_mpi_byte(), &all, &counts, &offsets, dispo_mpi_byte(), comm),
                       "MPI_Allgatherv")
        return (0..<size).map { Array(all[Int(offsets[$0])..<Int(offsets[$0] + counts[$0])]) }
    }

    /// Runs `body` on the owner thread after checking that every rank is at the same collective.
    private func collective<T>(_ signature: String, _ body: @escaping (MPI_Comm) throws -> T) throws -> T {
        finalized.lock()
        let done = isFinalized
        finalized.unlock()
        guard !done else { throw CommunicatorError("collective '\(signature)' after MPI was finalized") }
        let comm = self.comm
        let watchdog = self.watchdog
        return try owner.run {
            watchdog?.begin(signature)
            defer { watchdog?.end() }
            try self.agree(on: signature, comm: comm.value)
            return try body(comm.value)
        }
    }

    private func agree(on signature: String, comm: MPI_Comm) throws {
        let hash = Int64(bitPattern: XXH64.hash(Array(signature.utf8)))
        var pair: [Int64] = [hash, ~hash]
        try pair.withUnsafeMutableBufferPointer { buffer in
            var request: MPI_Request?
            try Self.check(MPI_Iallreduce(dispo_mpi_in_place(), buffer.baseAddress, 2, dispo_mpi_int64(), dispo_mpi_max(), comm, &request),
                           "MPI_Iallreduce")
            try Self.waitSleeping(&request)
        }
        guard pair[0] != hash || ~pair[1] != hash else { return }
        let labels = try gather(Array(signature.utf8), label: "collective check", comm: comm)
        throw CommunicatorError.mismatch(labels.map { String(decoding: $0, as: UTF8.self) })
    }

    /// Waits for `request` without holding a core: a few quick tests, then tests between sleeps that grow
    /// from 20 µs to 1 ms. (Open MPI's blocking calls poll the whole time, which starves the rank's own
    /// sampler and learner threads while it waits for a slower rank.) Every collective starts with the
    /// signature agreement, so this is where a rank waits for the others; the data moves once all are there.
    private static func waitSleeping(_ request: inout MPI_Request?) throws {
        var done: Int32 = 0
        var pause: UInt32 = 20
        for attempt in 0... {
            try check(MPI_Test(&request, &done, dispo_mpi_status_ignore()), "MPI_Test")
            if done != 0 { return }
            if attempt >= 100 {
                usleep(pause)
                pause = min(pause * 2, 1000)
            }
        }
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != MPI_SUCCESS else { return }
        var text = [CChar](repeating: 0, count: 512)
        var length: Int32 = 0
        _ = MPI_Error_string(code, &text, &length)
        throw CommunicatorError("\(call) failed: \(string(text, length: length))")
    }
}
#endif
