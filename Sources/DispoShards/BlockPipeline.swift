// Parallel block compression with in-order output. The writer hands sealed blocks to `submit`; up to
// `threads` of them compress at once on background threads, and finished blocks are handed back to
// the writer strictly in submission order. At most 2 × threads blocks are in flight, so memory stays
// bounded: when the window is full, `submit` waits for the oldest block and hands it out first.
// With threads == 1 blocks compress inline on the caller's thread.

import Dispatch
import DispoSupport
import Synchronization

/// An uncompressed block ready to compress, with its place in the set.
struct SealedBlock: Sendable {
    var raw: [UInt8]
    var records: Int
    var tokens: Int
    var shard: Int
    /// The last block of its shard file.
    var closesShard: Bool
}

/// A block after compression: its bytes, checksums and place; the raw bytes are dropped.
struct CompressedBlock: Sendable {
    var records: Int
    var tokens: Int
    var shard: Int
    var closesShard: Bool
    var uncompressedSize: Int
    var bytes: [UInt8]
    var compressedChecksum: UInt64
    var uncompressedChecksum: UInt64

    init(_ sealed: SealedBlock, codec: ShardCodec, pool: ZstdContextPool) {
        records = sealed.records
        tokens = sealed.tokens
        shard = sealed.shard
        closesShard = sealed.closesShard
        uncompressedSize = sealed.raw.count
        bytes = sealed.raw.withUnsafeBytes { BlockCodec.compress($0, codec: codec, pool: pool) }
        compressedChecksum = XXH64.hash(bytes)
        uncompressedChecksum = XXH64.hash(sealed.raw)
    }
}

/// One block being compressed in the background; `wait()` returns its result.
private final class BlockJob: Sendable {
    private let result = Mutex<CompressedBlock?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ block: CompressedBlock) {
        result.withLock { $0 = block }
        done.signal()
    }

    func wait() -> CompressedBlock {
        while true {   // `finish` stores the block before it signals, so the first wake-up finds it
            done.wait()
            if let block = result.withLock({ $0 }) { return block }
        }
    }
}

final class BlockPipeline {
    private let threads: Int
    private let codec: ShardCodec
    private let pool = ZstdContextPool(compress: true)
    private let gate: DispatchSemaphore
    private var pending: [BlockJob] = []
    private var head = 0

    init(threads: Int, codec: ShardCodec) {
        self.threads = max(1, threads)
        self.codec = codec
        gate = DispatchSemaphore(value: self.threads)
    }

    private var inFlight: Int { pending.count - head }

    /// Compresses `block`; calls `handle` for every block that is done, in order.
    func submit(_ block: SealedBlock, handle: (CompressedBlock) throws -> Void) throws {
        if threads == 1 {
            try handle(CompressedBlock(block, codec: codec, pool: pool))
            return
        }
        let job = BlockJob()
        let (codec, pool, gate) = (self.codec, self.pool, self.gate)
        DispatchQueue.global().async {
            gate.wait()
            defer { gate.signal() }
            job.finish(CompressedBlock(block, codec: codec, pool: pool))
        }
        pending.append(job)
        while inFlight > 2 * threads { try handle(takeOldest()) }
    }

    /// Hands out every block still in flight, in order.
    func drain(handle: (CompressedBlock) throws -> Void) throws {
        while inFlight > 0 { try handle(takeOldest()) }
    }

    /// Waits for the blocks in flight and drops them (after a failure or on abandon).
    func cancel() {
        while inFlight > 0 { _ = takeOldest() }
    }

    private func takeOldest() -> CompressedBlock {
        let block = pending[head].wait()
        head += 1
        if head > 64, head * 2 > pending.count {
            pending.removeFirst(head)
            head = 0
        }
        return block
    }
}
