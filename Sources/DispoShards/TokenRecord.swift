// A record of a shard set (token ids, optional loss mask, JSON metadata), its encoding inside an
// uncompressed block, and the checked layout of a decoded block:
//
//   block  = u32 recordCount, u32 offsets[recordCount + 1] (into the record area), record area
//   record = u32 tokenCount, u32 metadataLength, u8 flags (bit 0: loss mask present),
//            tokens (tokenCount × width bytes), loss mask bits (⌈tokenCount / 8⌉ bytes, LSB first, if present),
//            metadata (UTF-8 JSON object text)

import DispoSupport

public struct TokenRecord: Sendable, Equatable {
    public var tokens: [TokenID]
    /// One 0/1 per token (1 = the token counts in the loss), or nil when the whole record counts.
    public var lossMask: [UInt8]?
    /// UTF-8 JSON object text: id, answer, source, anything the dataset carried. May be "{}".
    public var metadata: [UInt8]

    public init(tokens: [TokenID], lossMask: [UInt8]? = nil, metadata: [UInt8] = Array("{}".utf8)) {
        self.tokens = tokens
        self.lossMask = lossMask
        self.metadata = metadata
    }

    /// The metadata as a String (it is UTF-8 JSON).
    public var metadataText: String { String(decoding: metadata, as: UTF8.self) }
}

enum RecordEncoding {
    static let headerSize = 9

    static func encodedSize(tokens n: Int, mask: Bool, metadata: Int, width: Int) -> Int {
        headerSize + n * width + (mask ? (n + 7) / 8 : 0) + metadata
    }

    /// Appends `record` to `out`. The writer has validated the record.
    static func append(_ record: TokenRecord, width: Int, to out: inout [UInt8]) {
        let n = record.tokens.count
        let size = encodedSize(tokens: n, mask: record.lossMask != nil, metadata: record.metadata.count, width: width)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: size))
        out.withUnsafeMutableBytes { all in
            guard let base = all.baseAddress else { return }
            let p = base + start
            p.storeBytes(of: UInt32(n).littleEndian, toByteOffset: 0, as: UInt32.self)
            p.storeBytes(of: UInt32(record.metadata.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            p.storeBytes(of: record.lossMask == nil ? 0 : 1, toByteOffset: 8, as: UInt8.self)
            var at = headerSize
            record.tokens.withUnsafeBufferPointer { tokens in
                if width == 2 {
                    for (i, t) in tokens.enumerated() {
                        p.storeBytes(of: UInt16(truncatingIfNeeded: t).littleEndian, toByteOffset: at + 2 * i, as: UInt16.self)
                    }
                } else {
                    for (i, t) in tokens.enumerated() {
                        p.storeBytes(of: UInt32(bitPattern: t).littleEndian, toByteOffset: at + 4 * i, as: UInt32.self)
                    }
                }
            }
            at += n * width
            if let mask = record.lossMask {
                // The area was zero-filled; set the bits that are 1.
                for (i, m) in mask.enumerated() where m != 0 {
                    let byte = p.load(fromByteOffset: at + i >> 3, as: UInt8.self)
                    p.storeBytes(of: byte | 1 << UInt8(i & 7), toByteOffset: at + i >> 3, as: UInt8.self)
                }
                at += (n + 7) / 8
            }
            record.metadata.withUnsafeBytes { meta in
                if meta.count > 0 { UnsafeMutableRawBufferPointer(start: p + at, count: meta.count).copyMemory(from: meta) }
            }
        }
    }
}

/// A record inside a decoded block, read in place (no copies). Valid only inside the call that hands
/// it out: the block buffer may be reused afterwards. `materialize()` makes an owned TokenRecord.
public struct TokenRecordView {
    let base: UnsafeRawPointer
    public let tokenCount: Int
    /// Bytes per token on disk: 2 or 4.
    public let width: Int
    public let hasLossMask: Bool
    let metadataCount: Int

    @inline(__always) public func token(_ i: Int) -> TokenID {
        precondition(i >= 0 && i < tokenCount, "token index out of range")
        let p = base + RecordEncoding.headerSize
        return width == 2 ? TokenID(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                          : TokenID(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
    }

    /// The raw little-endian token bytes (tokenCount × width).
    public var tokenBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + RecordEncoding.headerSize, count: tokenCount * width)
    }

    private var maskBytes: Int { hasLossMask ? (tokenCount + 7) / 8 : 0 }

    public var metadata: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + RecordEncoding.headerSize + tokenCount * width + maskBytes, count: metadataCount)
    }

    public var tokens: [TokenID] {
        [TokenID](unsafeUninitializedCapacity: tokenCount) { out, done in
            let p = base + RecordEncoding.headerSize
            if width == 2 {
                for i in 0..<tokenCount { out[i] = TokenID(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            } else {
                for i in 0..<tokenCount {
                    out[i] = TokenID(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
            done = tokenCount
        }
    }

    public var lossMask: [UInt8]? {
        guard hasLossMask else { return nil }
        let bits = base + RecordEncoding.headerSize + tokenCount * width
        return [UInt8](unsafeUninitializedCapacity: tokenCount) { out, done in
            for i in 0..<tokenCount { out[i] = (bits.load(fromByteOffset: i >> 3, as: UInt8.self) >> UInt8(i & 7)) & 1 }
            done = tokenCount
        }
    }

    public func materialize() -> TokenRecord {
        TokenRecord(tokens: tokens, lossMask: lossMask, metadata: Array(metadata))
    }
}

/// The checked layout of a decoded block: after `init` succeeds every record lies inside the buffer
/// and is self-consistent, so `view(_:)` needs no further checks.
struct BlockLayout {
    let bytes: UnsafeRawBufferPointer
    /// `bytes.baseAddress` (a checked block is at least 8 bytes).
    let base: UnsafeRawPointer
    let count: Int
    let dataStart: Int
    let width: Int

    /// Checks the offsets table and every record header. `fail(expected, found)` builds the error.
    init(_ bytes: UnsafeRawBufferPointer, width: Int, expectedRecords: Int, expectedTokens: Int,
         fail: (String, String) -> InputError) throws {
        guard bytes.count >= 8, let base = bytes.baseAddress else { throw fail("a block of at least 8 bytes", "\(bytes.count) bytes") }
        let n = Int(bytes.u32(0))
        guard n == expectedRecords else { throw fail("\(expectedRecords) records (block table)", "\(n) in the block") }
        let dataStart = 4 + 4 * (n + 1)
        guard dataStart <= bytes.count else { throw fail("an offset table inside the block", "\(n) records in \(bytes.count) bytes") }
        guard bytes.u32(4) == 0, Int(bytes.u32(dataStart - 4)) == bytes.count - dataStart else {
            throw fail("record offsets from 0 to \(bytes.count - dataStart)", "\(bytes.u32(4))...\(bytes.u32(dataStart - 4))")
        }
        var tokens = 0
        for i in 0..<n {
            let start = Int(bytes.u32(4 + 4 * i)), end = Int(bytes.u32(8 + 4 * i))
            guard start <= end, end - start >= RecordEncoding.headerSize else {
                throw fail("record \(i) between offsets \(start) and \(end) to hold a header", "\(end - start) bytes")
            }
            let at = dataStart + start
            let count = Int(bytes.u32(at)), meta = Int(bytes.u32(at + 4)), flags = bytes.u8(at + 8)
            guard flags <= 1 else { throw fail("record \(i) flags 0 or 1", "\(flags)") }
            let size = RecordEncoding.encodedSize(tokens: count, mask: flags == 1, metadata: meta, width: width)
            guard size == end - start else { throw fail("record \(i) of \(size) bytes per its header", "\(end - start)") }
            tokens += count
        }
        guard tokens == expectedTokens else { throw fail("\(expectedTokens) tokens (block table)", "\(tokens)") }
        self.bytes = bytes
        self.base = base
        self.count = n
        self.dataStart = dataStart
        self.width = width
    }

    @inline(__always) func view(_ i: Int) -> TokenRecordView {
        let at = dataStart + Int(bytes.u32(4 + 4 * i))
        return TokenRecordView(base: base + at, tokenCount: Int(bytes.u32(at)), width: width,
                               hasLossMask: bytes.u8(at + 8) == 1, metadataCount: Int(bytes.u32(at + 4)))
    }
}

/// Accumulates encoded records into one uncompressed block.
struct BlockBuilder {
    private(set) var area: [UInt8] = []
    private(set) var offsets: [UInt32] = [0]
    private(set) var tokens = 0
    var count: Int { offsets.count - 1 }
    /// Size of the block if sealed now.
    var size: Int { 4 + 4 * offsets.count + area.count }

    mutating func append(_ record: TokenRecord, width: Int) {
        RecordEncoding.append(record, width: width, to: &area)
        offsets.append(UInt32(area.count))
        tokens += record.tokens.count
    }

    /// The finished block bytes; resets the builder.
    mutating func seal() -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(size)
        w.u32(UInt32(count))
        for o in offsets { w.u32(o) }
        w.raw(area)
        area.removeAll(keepingCapacity: true)
        offsets = [0]
        tokens = 0
        return w.bytes
    }
}
