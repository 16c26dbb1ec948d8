// Makes a fuzzed shard file get past its checksums, so the fuzzer explores the structure behind them (sizes,
// offsets, counts, record layouts) instead of stopping at the first XXH64: recomputes the header checksum,
// every block's compressed checksum whose range lies in the file, the block table checksum and the footer
// checksum (docs/shards.md has the layout); and writes the manifest the file's own header and footer imply.

import DispoSupport

public enum ShardRepair {
    static func u64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
    }

    static func put(_ b: inout [UInt8], _ at: Int, _ v: UInt64) {
        for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
    }

    static func hash(_ b: [UInt8], _ range: Range<Int>) -> UInt64 {
        b[range].withUnsafeBytes { XXH64.hash($0) }
    }

    /// Repairs the checksums of `b` in place (files shorter than header + footer are left alone).
    public static func repair(_ b: inout [UInt8]) {
        guard b.count >= 128 else { return }
        put(&b, 56, hash(b, 0..<56))
        let footer = b.count - 64
        let indexOffset = Int(clamping: u64(b, footer)), blockCount = Int(clamping: u64(b, footer + 8))
        if indexOffset >= 64, indexOffset <= footer, blockCount <= (footer - indexOffset) / 48 {
            for i in 0..<blockCount {
                let e = indexOffset + 48 * i
                let offset = Int(clamping: u64(b, e)), size = Int(u32(b, e + 8))
                if offset >= 0, offset <= footer, size <= footer - offset { put(&b, e + 32, hash(b, offset..<(offset + size))) }
            }
            put(&b, footer + 40, hash(b, indexOffset..<min(footer, indexOffset + 48 * blockCount)))
        }
        put(&b, footer + 48, hash(b, footer..<(footer + 48)))
    }

    /// The manifest.json text the file's header and footer imply (nil when the file is too short).
    public static func manifest(for b: [UInt8]) -> String? {
        guard b.count >= 128 else { return nil }
        let footer = b.count - 64
        let codec: String
        switch b[13] {
        case 1: codec = #"{"name": "lz4"}"#
        case 2: codec = #"{"name": "zstd", "level": \#(Int16(bitPattern: UInt16(b[14]) | UInt16(b[15]) << 8))}"#
        default: codec = #"{"name": "none"}"#
        }
        let records = Int(clamping: u64(b, footer + 16)), tokens = Int(clamping: u64(b, footer + 24))
        return """
            {"format": "dispo-shards", "version": 1, "schema": "token-record/1", "token_width": \(b[12]), "codec": \(codec),
             "block_bytes": \(u32(b, 16)), "tokenizer": {"name": "fuzz", "kind": "char", "hash": "0", "vocabulary_size": \(Int(clamping: u64(b, 24)))},
             "command": "", "created": "", "info": {}, "records": \(records), "tokens": \(tokens), "masked_records": 0,
             "shards": [{"file": "shard-00000.dsh", "records": \(records), "tokens": \(tokens), "blocks": \(Int(clamping: u64(b, footer + 8))),
                         "bytes": \(b.count), "uncompressed_bytes": \(Int(clamping: u64(b, footer + 32)))}]}
            """
    }
}
