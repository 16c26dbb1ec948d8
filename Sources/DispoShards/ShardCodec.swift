// Block compression: the codec enum a shard set is written with (zstd by default, lz4, or none), its
// JSON form in manifests, and the one-shot compress / decompress calls into libzstd and liblz4.
// Each block is one independent zstd frame (with its content size) or one raw LZ4 block, so any block
// decodes on its own. Decoding never trusts the input: the decoders are the bounds-checked ones and
// the produced size must equal the size recorded in the block table.

import CLZ4
import CZstd
import DispoSupport
import Synchronization

public enum ShardCodec: Sendable, Equatable, Codable, CustomStringConvertible {
    case none
    case lz4
    case zstd(level: Int)

    /// The names `parse` accepts.
    public static let names = ["zstd", "lz4", "none"]

    /// "zstd", "zstd:19", "lz4" or "none"; `level` is used for zstd when the name carries none.
    public static func parse(_ text: String, level: Int = 3) throws -> ShardCodec {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first ?? "" {
        case "none" where parts.count == 1: return .none
        case "lz4" where parts.count == 1: return .lz4
        case "zstd":
            guard let chosen = parts.count == 2 ? Int(parts[1]) : level else { break }
            let codec = ShardCodec.zstd(level: chosen)
            try codec.validate(file: "codec")
            return codec
        default: break
        }
        throw InputError(file: "codec", expected: "one of \(names.joined(separator: ", ")) (zstd may carry a level: zstd:19)",
                         found: InputError.excerpt(text))
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .lz4: return "lz4"
        case .zstd(let level): return "zstd:\(level)"
        }
    }

    public var name: String {
        switch self {
        case .none: return "none"
        case .lz4: return "lz4"
        case .zstd: return "zstd"
        }
    }

    func validate(file: String) throws {
        if case .zstd(let level) = self, !(Int(ZSTD_minCLevel())...Int(ZSTD_maxCLevel())).contains(level) || level == 0 {
            throw InputError(file: file, place: "codec", expected: "a zstd level in \(ZSTD_minCLevel())...\(ZSTD_maxCLevel()), not 0",
                             found: "\(level)")
        }
    }

    var formatID: UInt8 {
        switch self {
        case .none: return 0
        case .lz4: return 1
        case .zstd: return 2
        }
    }

    var formatLevel: Int {
        if case .zstd(let level) = self { return level }
        return 0
    }

    init?(formatID: UInt8, level: Int) {
        switch formatID {
        case 0: self = .none
        case 1: self = .lz4
        case 2: self = .zstd(level: level)
        default: return nil
        }
    }

    private enum CodingKeys: String, CodingKey { case name, level }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        switch name {
        case "none": self = .none
        case "lz4": self = .lz4
        case "zstd": self = .zstd(level: try c.decode(Int.self, forKey: .level))
        default:
            throw DecodingError.dataCorruptedError(forKey: .name, in: c,
                debugDescription: "unknown codec \"\(name)\"; known: \(ShardCodec.names.joined(separator: ", "))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        if case .zstd(let level) = self { try c.encode(level, forKey: .level) }
    }
}

/// A zstd compression or decompression context, owned by one thread at a time (handed out by a pool).
final class ZstdContext: @unchecked Sendable {
    let cctx: OpaquePointer?
    let dctx: OpaquePointer?

    init(compress: Bool) {
        cctx = compress ? ZSTD_createCCtx() : nil
        dctx = compress ? nil : ZSTD_createDCtx()
    }

    deinit {
        if let cctx { ZSTD_freeCCtx(cctx) }
        if let dctx { ZSTD_freeDCtx(dctx) }
    }
}

/// Reusable zstd contexts shared by many threads: take one, use it alone, give it back.
final class ZstdContextPool: Sendable {
    private let free = Mutex<[ZstdContext]>([])
    private let compress: Bool

    init(compress: Bool) { self.compress = compress }

    func with<T>(_ body: (ZstdContext) throws -> T) rethrows -> T {
        let context = free.withLock { $0.popLast() } ?? ZstdContext(compress: compress)
        defer { free.withLock { $0.append(context) } }
        return try body(context)
    }
}

enum BlockCodec {
    /// Compresses `source` into a new array (for `.none`, a copy).
    static func compress(_ source: UnsafeRawBufferPointer, codec: ShardCodec, pool: ZstdContextPool) -> [UInt8] {
        let n = source.count
        switch codec {
        case .none:
            return Array(source)
        case .lz4:
            let bound = Int(LZ4_compressBound(Int32(n)))
            return [UInt8](unsafeUninitializedCapacity: bound) { out, written in
                written = Int(LZ4_compress_default(source.baseAddress?.assumingMemoryBound(to: CChar.self),
                                                   out.baseAddress.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                                   Int32(n), Int32(bound)))
                precondition(written > 0 || n == 0, "LZ4_compress_default failed on \(n) bytes")
            }
        case .zstd(let level):
            let bound = ZSTD_compressBound(n)
            return pool.with { context in
                [UInt8](unsafeUninitializedCapacity: bound) { out, written in
                    let r = ZSTD_compressCCtx(context.cctx, out.baseAddress, bound, source.baseAddress, n, Int32(level))
                    precondition(ZSTD_isError(r) == 0, "ZSTD_compressCCtx failed: \(String(cString: ZSTD_getErrorName(r)))")
                    written = r
                }
            }
        }
    }

    /// Decompresses `source` into `destination`, which is exactly the expected size. Returns nil on
    /// success, or what went wrong (the input is corrupt or was written with another codec).
    static func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                           codec: ShardCodec, pool: ZstdContextPool) -> String? {
        let n = destination.count
        switch codec {
        case .none:
            guard source.count == n else { return "\(source.count) stored bytes for \(n) expected" }
            if n > 0 { destination.copyMemory(from: source) }
            return nil
        case .lz4:
            guard source.count <= Int(Int32.max), n <= Int(Int32.max) else { return "a block too large for lz4" }
            let r = LZ4_decompress_safe(source.baseAddress?.assumingMemoryBound(to: CChar.self),
                                        destination.baseAddress?.assumingMemoryBound(to: CChar.self),
                                        Int32(source.count), Int32(n))
            if r < 0 { return "lz4 error \(r) (corrupt lz4 block)" }
            return Int(r) == n ? nil : "\(r) decoded bytes for \(n) expected"
        case .zstd:
            let size = ZSTD_getFrameContentSize(source.baseAddress, source.count)
            guard size == UInt64(n) else {
                return size >= UInt64.max - 1 ? "no valid zstd frame header" : "a frame of \(size) bytes for \(n) expected"
            }
            let r = pool.with { ZSTD_decompressDCtx($0.dctx, destination.baseAddress, n, source.baseAddress, source.count) }
            if ZSTD_isError(r) != 0 { return "zstd error: \(String(cString: ZSTD_getErrorName(r)))" }
            return r == n ? nil : "\(r) decoded bytes for \(n) expected"
        }
    }
}
