// Reading a shard set: random access through a shared LRU cache of decoded blocks, and sequential
// scans that decode each block once into a reused buffer and release the mapped compressed pages
// behind them. Immutable after `init` (the cache and context pools lock internally), so one ShardSet
// serves many tasks at once. Resident memory: the cache budget, one block per scanning task, and
// 48 bytes of block table per block.

import DispoSupport
import Foundation

public final class ShardSet: Sendable {
    public let directory: String
    public let manifest: ShardManifest
    public let files: [ShardFile]
    /// Global index of each shard's first record, plus the total at the end.
    let starts: [Int]
    let cache: BlockCache
    let decoders = ZstdContextPool(compress: false)

    public var count: Int { starts[starts.count - 1] }
    public var tokenCount: Int { manifest.tokens }
    /// Bytes per token id on disk (2 or 4).
    public var tokenWidth: Int { manifest.tokenWidth }

    /// Opens the set in `directory`, checking the manifest and every shard's header, footer and block
    /// table. `cacheBytes` bounds the decoded blocks kept for random access.
    public init(directory: String, cacheBytes: Int = 64 << 20) throws {
        self.directory = directory
        manifest = try ShardManifest.load(directory: directory)
        let hint = Self.hint(manifest)
        var files: [ShardFile] = []
        var starts = [0]
        for (i, entry) in manifest.shards.enumerated() {
            files.append(try ShardFile(path: directory + "/" + entry.file, entry: entry, number: i, manifest: manifest, hint: hint))
            starts.append(starts[i] + entry.records)
        }
        self.files = files
        self.starts = starts
        cache = BlockCache(budget: max(0, cacheBytes))
    }

    static func hint(_ manifest: ShardManifest) -> String {
        manifest.command.isEmpty ? "re-run `dispo shard …` to rebuild the set" : "rebuild the set: `\(manifest.command)`"
    }

    /// (shard, shard-local record) of global record `index`.
    func locate(_ index: Int) -> (shard: Int, local: Int) {
        var lo = 0, hi = files.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, index - starts[lo])
    }

    private func checkIndex(_ index: Int) throws {
        guard index >= 0, index < count else {
            throw InputError(file: directory, place: "record \(index)", expected: "a record index in 0..<\(count)",
                             found: "\(index)")
        }
    }

    /// Record `index` (0-based over the whole set), through the block cache.
    public func record(at index: Int) throws -> TokenRecord {
        try checkIndex(index)
        let (shard, local) = locate(index)
        let file = files[shard]
        let block = file.blockIndex(of: local)
        let key = shard << 32 | block
        let decoded: DecodedBlock
        if let hit = cache.get(key) {
            decoded = hit
        } else {
            decoded = try DecodedBlock(file: file, index: block, pool: decoders)
            cache.put(key, decoded)
        }
        return decoded.record(local - file.blocks[block].firstRecord)
    }

    /// Calls `body(index, view)` for records `start ..< start + limit` in order, decoding each block once
    /// into a reused buffer (not through the cache). The view is valid only during the call.
    public func scanViews(from start: Int = 0, limit: Int? = nil,
                          _ body: (Int, TokenRecordView) throws -> Void) throws {
        let end = limit.map { min(count, start + max(0, $0)) } ?? count
        guard start < end else { return }
        try checkIndex(start)
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 16)
        defer { buffer.deallocate() }
        var (shard, local) = locate(start)
        var index = start
        while index < end {
            let file = files[shard]
            var block = file.blockIndex(of: local)
            while block < file.blocks.count, index < end {
                let e = file.blocks[block]
                if buffer.count < e.uncompressedSize {
                    buffer.deallocate()
                    buffer = .allocate(byteCount: e.uncompressedSize, alignment: 16)
                }
                let layout = try file.decode(block: block, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<e.uncompressedSize]),
                                             pool: decoders)
                var i = local - e.firstRecord
                while i < layout.count, index < end {
                    try body(index, layout.view(i))
                    i += 1
                    index += 1
                }
                local = e.firstRecord + e.recordCount
                block += 1
            }
            shard += 1
            local = 0
        }
    }

    /// Calls `body(index, record)` for records `start ..< start + limit` in order.
    public func scan(from start: Int = 0, limit: Int? = nil, _ body: (Int, TokenRecord) throws -> Void) throws {
        try scanViews(from: start, limit: limit) { try body($0, $1.materialize()) }
    }

    /// All records from `start` in order, collected into an array (for small sets and tests).
    public func records(from start: Int = 0, limit: Int? = nil) throws -> [TokenRecord] {
        var out: [TokenRecord] = []
        try scan(from: start, limit: limit) { out.append($1) }
        return out
    }

    /// Decoded bytes the block cache holds now.
    public var cachedBytes: Int { cache.bytes }
}

/// Pull-style sequential iteration (for pipelines that take one record at a time): holds one decoded
/// block, not the cache. `next()` throws InputError on a corrupt block.
public struct ShardSetIterator {
    let set: ShardSet
    public private(set) var index: Int
    let end: Int
    private var block: DecodedBlock?
    private var blockFirst = 0

    init(set: ShardSet, start: Int, end: Int) {
        self.set = set
        index = start
        self.end = end
    }

    public mutating func next() throws -> (index: Int, record: TokenRecord)? {
        guard index < end else { return nil }
        let current: DecodedBlock
        if let open = block, index < blockFirst + open.count {
            current = open
        } else {
            let (shard, local) = set.locate(index)
            let file = set.files[shard]
            let b = file.blockIndex(of: local)
            current = try DecodedBlock(file: file, index: b, pool: set.decoders)
            block = current
            blockFirst = index - (local - file.blocks[b].firstRecord)
        }
        let record = current.record(index - blockFirst)
        index += 1
        return (index - 1, record)
    }
}

extension ShardSet {
    /// An iterator over records `start ..< start + limit` (clamped to the set).
    public func makeIterator(from start: Int = 0, limit: Int? = nil) -> ShardSetIterator {
        let first = min(max(0, start), count)
        let end = limit.map { min(count, first + max(0, $0)) } ?? count
        return ShardSetIterator(set: self, start: first, end: end)
    }
}
