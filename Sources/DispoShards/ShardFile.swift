// One memory-mapped shard file of a set: opening checks header, footer and the whole block table
// against the file size and the manifest; `decode` checks a block's checksum, decompresses it and
// checks its layout. The block table is copied into a small array (48 bytes per ≈1 MiB block); the
// mapped compressed bytes are paged in on demand and released after use, so resident memory does
// not grow with the file.

import DispoSupport

public final class ShardFile: Sendable {
    public let path: String
    public let header: ShardHeader
    public let footer: ShardFooter
    public let blocks: [ShardBlockEntry]
    /// Size of the file in bytes.
    public var size: Int { map.count }
    let map: MappedFile
    let hint: String
    static let faultAround = 64 << 10

    /// Opens `path`, checks it, and checks it against the manifest entry and set-wide properties.
    init(path: String, entry: ShardManifest.Shard, number: Int, manifest: ShardManifest, hint: String) throws {
        do {
            map = try MappedFile(path: path)
        } catch let error as SystemError {
            throw InputError(file: path, expected: "shard file \(number) named in the manifest",
                             found: "it cannot be opened: \(error.description)", hint: hint)
        }
        self.path = path
        self.hint = hint
        let b = map.bytes
        header = try ShardHeader.decode(b, file: path, hint: hint)
        footer = try ShardFooter.decode(b, file: path, hint: hint)
        blocks = try Self.readBlockTable(b, footer: footer, file: path, hint: hint)
        try check(against: entry, number: number, manifest: manifest)
        map.release(0..<ShardFormat.headerSize)
        map.release(footer.indexOffset..<b.count)
    }

    private static func readBlockTable(_ b: UnsafeRawBufferPointer, footer: ShardFooter, file: String,
                                       hint: String) throws -> [ShardBlockEntry] {
        let table = b.slice(footer.indexOffset, footer.blockCount * ShardFormat.entrySize)
        let actual = XXH64.hash(table)
        guard actual == footer.indexChecksum else {
            throw InputError(file: file, place: "block table (byte \(footer.indexOffset))",
                             expected: "checksum \(XXH64.hex(footer.indexChecksum))", found: XXH64.hex(actual), hint: hint)
        }
        var entries: [ShardBlockEntry] = []
        entries.reserveCapacity(footer.blockCount)
        var offset = ShardFormat.headerSize, record = 0, tokens = 0, uncompressed = 0
        for i in 0..<footer.blockCount {
            let e = ShardBlockEntry.decode(table, at: i * ShardFormat.entrySize)
            func bad(_ expected: String, _ found: String) -> InputError {
                InputError(file: file, place: "block \(i) (block table)", expected: expected, found: found, hint: hint)
            }
            guard e.offset == offset, e.compressedSize <= footer.indexOffset - offset else {
                throw bad("data at byte \(offset) ending before the block table at \(footer.indexOffset)",
                          "\(e.compressedSize) bytes at byte \(e.offset)")
            }
            guard e.firstRecord == record, e.recordCount > 0 else {
                throw bad("a non-empty run of records starting at record \(record)",
                          "\(e.recordCount) records from \(e.firstRecord)")
            }
            guard e.uncompressedSize >= 8 + 4 * e.recordCount, e.uncompressedSize <= ShardFormat.maxBlockBytes else {
                throw bad("an uncompressed size that fits \(e.recordCount) records and at most \(ShardFormat.maxBlockBytes) bytes",
                          "\(e.uncompressedSize)")
            }
            offset += e.compressedSize
            record += e.recordCount
            tokens += e.tokenCount
            uncompressed += e.uncompressedSize
            entries.append(e)
        }
        guard offset == footer.indexOffset, record == footer.recordCount, tokens == footer.tokenCount,
              uncompressed == footer.uncompressedBytes else {
            throw InputError(file: file, place: "footer",
                             expected: "totals of the block table (\(record) records, \(tokens) tokens, data up to byte \(offset))",
                             found: "\(footer.recordCount) records, \(footer.tokenCount) tokens, index at \(footer.indexOffset)",
                             hint: hint)
        }
        return entries
    }

    private func check(against entry: ShardManifest.Shard, number: Int, manifest: ShardManifest) throws {
        func bad(_ what: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: path, place: what, expected: expected + " (as manifest.json says)", found: found, hint: hint)
        }
        if header.codec != manifest.codec { throw bad("header", "codec \(manifest.codec)", "\(header.codec)") }
        if header.tokenWidth != manifest.tokenWidth { throw bad("header", "token width \(manifest.tokenWidth)", "\(header.tokenWidth)") }
        if header.shardNumber != number { throw bad("header", "shard number \(number)", "\(header.shardNumber)") }
        if header.vocabularySize != manifest.tokenizer.vocabularySize {
            throw bad("header", "vocabulary size \(manifest.tokenizer.vocabularySize)", "\(header.vocabularySize)")
        }
        if map.count != entry.bytes { throw bad("file", "\(entry.bytes) bytes", "\(map.count) bytes") }
        if footer.recordCount != entry.records { throw bad("footer", "\(entry.records) records", "\(footer.recordCount)") }
        if footer.tokenCount != entry.tokens { throw bad("footer", "\(entry.tokens) tokens", "\(footer.tokenCount)") }
        if footer.blockCount != entry.blocks { throw bad("footer", "\(entry.blocks) blocks", "\(footer.blockCount)") }
        if footer.uncompressedBytes != entry.uncompressedBytes {
            throw bad("footer", "\(entry.uncompressedBytes) uncompressed bytes", "\(footer.uncompressedBytes)")
        }
    }

    /// Index of the block holding shard-local record `record` (binary search over first records).
    func blockIndex(of record: Int) -> Int {
        var lo = 0, hi = blocks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if blocks[mid].firstRecord <= record { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    func error(block: Int, _ expected: String, _ found: String) -> InputError {
        InputError(file: path, place: "block \(block) (byte \(blocks[block].offset))", expected: expected, found: found, hint: hint)
    }

    /// Checks block `index`'s compressed checksum and decompresses it into `destination` (exactly its
    /// uncompressed size), then returns its checked layout. With `release`, the mapped compressed pages
    /// are dropped from the resident set afterwards.
    func decode(block index: Int, into destination: UnsafeMutableRawBufferPointer, pool: ZstdContextPool,
                checkUncompressed: Bool = false, release: Bool = true) throws -> BlockLayout {
        let e = blocks[index]
        let source = map.bytes.slice(e.offset, e.compressedSize)
        // The kernel maps file pages in 64 KiB windows around a fault ("fault-around"), so neighbours of
        // the block get mapped too; release them as well, or they would pile up over a scan.
        defer { if release { map.release(max(0, e.offset - Self.faultAround)..<min(map.count, e.offset + e.compressedSize + Self.faultAround)) } }
        let actual = XXH64.hash(source)
        guard actual == e.compressedChecksum else {
            throw error(block: index, "XXH64 \(XXH64.hex(e.compressedChecksum)) of the compressed bytes",
                        "\(XXH64.hex(actual)) (the block is corrupt)")
        }
        if let problem = BlockCodec.decompress(source, into: destination, codec: header.codec, pool: pool) {
            throw error(block: index, "a \(header.codec.name) block of \(e.uncompressedSize) bytes", problem)
        }
        let bytes = UnsafeRawBufferPointer(destination)
        if checkUncompressed {
            let sum = XXH64.hash(bytes)
            guard sum == e.uncompressedChecksum else {
                throw error(block: index, "XXH64 \(XXH64.hex(e.uncompressedChecksum)) of the uncompressed bytes", XXH64.hex(sum))
            }
        }
        return try BlockLayout(bytes, width: header.tokenWidth, expectedRecords: e.recordCount,
                               expectedTokens: e.tokenCount) { error(block: index, $0, $1) }
    }

    /// The compressed bytes of block `index` as stored (for inspection and benchmarks).
    public func compressedBytes(block index: Int) -> [UInt8] {
        let e = blocks[index]
        return Array(map.bytes.slice(e.offset, e.compressedSize))
    }
}

/// A decoded block kept in the cache: owns its uncompressed bytes; records are read from it in place.
final class DecodedBlock: Sendable {
    let storage: [UInt8]
    let count: Int
    let width: Int

    /// Decodes block `index` of `file` into a new buffer.
    init(file: ShardFile, index: Int, pool: ZstdContextPool) throws {
        let size = file.blocks[index].uncompressedSize
        var count = 0
        storage = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            destination.initializeMemory(as: UInt8.self, repeating: 0)
            initialized = size
            count = try file.decode(block: index, into: destination, pool: pool).count
        }
        self.count = count
        self.width = file.header.tokenWidth
    }

    /// The record `i` of this block (already checked at decode).
    func record(_ i: Int) -> TokenRecord {
        storage.withUnsafeBytes { bytes in
            // Already checked when the block was decoded; rebuilding the view needs only the header.
            BlockLayout(trusted: bytes, width: width)?.view(i).materialize() ?? TokenRecord(tokens: [])
        }
    }
}

extension BlockLayout {
    /// A layout over bytes that passed the checked initializer before (nil only for fewer than 8 bytes,
    /// which that initializer refuses).
    init?(trusted bytes: UnsafeRawBufferPointer, width: Int) {
        guard bytes.count >= 8, let base = bytes.baseAddress else { return nil }
        self.bytes = bytes
        self.base = base
        self.count = Int(bytes.u32(0))
        self.dataStart = 4 + 4 * (count + 1)
        self.width = width
    }
}
