// The fixed-size parts of a shard file (see docs/shards.md for the byte-by-byte layout): the 64-byte
// header, the 48-byte block-table entries and the 64-byte footer, with their encoders and checked
// decoders. All integers are little-endian. Every decoder takes the mapped bytes and checks bounds,
// magic, version and checksum before it trusts a field, and reports problems as InputError.

import DispoSupport

enum ShardFormat {
    static let headerMagic: [UInt8] = Array("DSPSHARD".utf8)
    static let footerMagic: [UInt8] = Array("DSPSHEND".utf8)
    static let version: UInt32 = 1
    static let headerSize = 64
    static let footerSize = 64
    static let entrySize = 48
    /// Largest uncompressed block a reader accepts (u32 sizes; keeps allocations sane).
    static let maxBlockBytes = 1 << 30
    static let fileExtension = "dsh"

    static func shardName(_ number: Int) -> String {
        let digits = String(number)
        return "shard-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + "." + fileExtension
    }
}

/// Little-endian append-only byte buffer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
}

/// Little-endian reads from a buffer; callers check `offset + size <= buffer.count` first.
extension UnsafeRawBufferPointer {
    @inline(__always) func u8(_ at: Int) -> UInt8 { self[at] }
    @inline(__always) func u16(_ at: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt16.self)) }
    @inline(__always) func u32(_ at: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt32.self)) }
    @inline(__always) func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
    func slice(_ at: Int, _ count: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: self[at..<(at + count)]) }
}

/// The shard header: what every block in the file shares.
public struct ShardHeader: Sendable, Equatable {
    public var tokenWidth: Int
    public var codec: ShardCodec
    public var blockBytes: Int
    public var shardNumber: Int
    public var vocabularySize: Int

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.raw(ShardFormat.headerMagic)
        w.u32(ShardFormat.version)
        w.u8(UInt8(tokenWidth))
        w.u8(codec.formatID)
        w.u16(UInt16(bitPattern: Int16(codec.formatLevel)))
        w.u32(UInt32(blockBytes))
        w.u32(UInt32(shardNumber))
        w.u64(UInt64(vocabularySize))
        w.zeros(24)
        w.u64(XXH64.hash(w.bytes))
        return w.bytes
    }

    static func decode(_ b: UnsafeRawBufferPointer, file: String, hint: String) throws -> ShardHeader {
        func bad(_ place: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: file, place: place, expected: expected, found: found, hint: hint)
        }
        guard b.count >= ShardFormat.headerSize + ShardFormat.footerSize else {
            throw bad("header", "a shard file of at least \(ShardFormat.headerSize + ShardFormat.footerSize) bytes",
                      "\(b.count) bytes (truncated)")
        }
        guard Array(b.slice(0, 8)) == ShardFormat.headerMagic else {
            throw bad("header", "magic \"DSPSHARD\"", "\(Array(b.slice(0, 8))) (not a dispo shard)")
        }
        let version = b.u32(8)
        guard version == ShardFormat.version else {
            throw bad("header", "format version \(ShardFormat.version)", "version \(version) (written by another dispo)")
        }
        let stored = b.u64(56), actual = XXH64.hash(b.slice(0, 56))
        guard stored == actual else {
            throw bad("header", "header checksum \(XXH64.hex(stored))", "\(XXH64.hex(actual)) (corrupt header)")
        }
        let width = Int(b.u8(12))
        guard width == 2 || width == 4 else { throw bad("header", "token width 2 or 4", "\(width)") }
        guard let codec = ShardCodec(formatID: b.u8(13), level: Int(Int16(bitPattern: b.u16(14)))) else {
            throw bad("header", "codec id 0 (none), 1 (lz4) or 2 (zstd)", "\(b.u8(13))")
        }
        return ShardHeader(tokenWidth: width, codec: codec, blockBytes: Int(b.u32(16)),
                           shardNumber: Int(b.u32(20)), vocabularySize: Int(clamping: b.u64(24)))
    }
}

/// One row of the block table: where a block lies, how big it is, which records it holds, its checksums.
public struct ShardBlockEntry: Sendable, Equatable {
    public var offset: Int
    public var compressedSize: Int
    public var uncompressedSize: Int
    public var firstRecord: Int
    public var recordCount: Int
    public var tokenCount: Int
    /// XXH64 of the compressed bytes, checked on every read.
    public var compressedChecksum: UInt64
    /// XXH64 of the uncompressed bytes, checked by `verify()`.
    public var uncompressedChecksum: UInt64

    func encode(into w: inout ByteWriter) {
        w.u64(UInt64(offset))
        w.u32(UInt32(compressedSize))
        w.u32(UInt32(uncompressedSize))
        w.u64(UInt64(firstRecord))
        w.u32(UInt32(recordCount))
        w.u32(UInt32(tokenCount))
        w.u64(compressedChecksum)
        w.u64(uncompressedChecksum)
    }

    static func decode(_ b: UnsafeRawBufferPointer, at o: Int) -> ShardBlockEntry {
        ShardBlockEntry(offset: Int(clamping: b.u64(o)), compressedSize: Int(b.u32(o + 8)),
                        uncompressedSize: Int(b.u32(o + 12)), firstRecord: Int(clamping: b.u64(o + 16)),
                        recordCount: Int(b.u32(o + 24)), tokenCount: Int(b.u32(o + 28)),
                        compressedChecksum: b.u64(o + 32), uncompressedChecksum: b.u64(o + 40))
    }
}

/// The footer: where the block table is and the file's totals.
public struct ShardFooter: Sendable, Equatable {
    public var indexOffset: Int
    public var blockCount: Int
    public var recordCount: Int
    public var tokenCount: Int
    public var uncompressedBytes: Int
    public var indexChecksum: UInt64

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.u64(UInt64(indexOffset))
        w.u64(UInt64(blockCount))
        w.u64(UInt64(recordCount))
        w.u64(UInt64(tokenCount))
        w.u64(UInt64(uncompressedBytes))
        w.u64(indexChecksum)
        w.u64(XXH64.hash(w.bytes))
        w.raw(ShardFormat.footerMagic)
        return w.bytes
    }

    /// Reads and checks the footer at the end of `b` (whose size the header check already bounded).
    static func decode(_ b: UnsafeRawBufferPointer, file: String, hint: String) throws -> ShardFooter {
        let at = b.count - ShardFormat.footerSize
        func bad(_ expected: String, _ found: String) -> InputError {
            InputError(file: file, place: "footer (byte \(at))", expected: expected, found: found, hint: hint)
        }
        guard Array(b.slice(at + 56, 8)) == ShardFormat.footerMagic else {
            throw bad("end magic \"DSPSHEND\"", "other bytes (file truncated or not finished)")
        }
        let stored = b.u64(at + 48), actual = XXH64.hash(b.slice(at, 48))
        guard stored == actual else { throw bad("footer checksum \(XXH64.hex(stored))", XXH64.hex(actual)) }
        let footer = ShardFooter(indexOffset: Int(clamping: b.u64(at)), blockCount: Int(clamping: b.u64(at + 8)),
                                 recordCount: Int(clamping: b.u64(at + 16)), tokenCount: Int(clamping: b.u64(at + 24)),
                                 uncompressedBytes: Int(clamping: b.u64(at + 32)), indexChecksum: b.u64(at + 40))
        let (indexBytes, overflow) = footer.blockCount.multipliedReportingOverflow(by: ShardFormat.entrySize)
        guard !overflow, footer.indexOffset >= ShardFormat.headerSize, footer.indexOffset <= at,
              indexBytes == at - footer.indexOffset else {
            throw bad("a block table of \(footer.blockCount) × \(ShardFormat.entrySize) bytes ending at the footer",
                      "index offset \(footer.indexOffset) in a \(b.count)-byte file")
        }
        return footer
    }
}
