// `dispo bench shards`: writes a synthetic token shard set (Zipf-distributed u32 ids with repeated
// phrases, like tokenized math text) and measures, in one run: (1) single-core sequential decode against
// `zstd -d` / `lz4 -d` decompressing the very same compressed blocks (concatenated zstd frames, or the
// same LZ4 blocks wrapped in an LZ4 frame), (2) random record reads per second with a cold and a warm
// block cache, (3) resident memory while scanning a set and a set twice as large, (4) write MB/s with
// 1 and 2 compression threads.

import CLZ4
import DispoShards
import DispoSupport
import Foundation

public struct ShardBenchOptions: Sendable {
    public var megabytes = 200
    public var directory: String?
    public var codecs: [ShardCodec] = [.zstd(level: 3), .lz4]
    public var keep = false
    public init() {}
}

public enum ShardBench {
    static let tokenizer = ShardTokenizerInfo(name: "synthetic-zipf", kind: "synthetic", hash: "0", vocabularySize: 151_936)

    /// Runs every measurement, printing lines through `log`.
    public static func run(_ options: ShardBenchOptions, log: (String) -> Void) throws {
        let root = options.directory ?? NSTemporaryDirectory() + "dispo-bench-shards-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { if !options.keep { try? FileManager.default.removeItem(atPath: root) } }
        log("synthetic set: \(options.megabytes) MB uncompressed, vocabulary \(tokenizer.vocabularySize) (u32 ids), "
            + "Zipf ids + repeated phrases; blocks 1 MiB; scratch \(root)")
        var generator = SyntheticTokens(seed: 1)
        let pool = generator.records(bytes: 24 << 20)
        for codec in options.codecs {
            log("")
            log("== codec \(codec) ==")
            try benchCodec(codec, pool: pool, megabytes: options.megabytes, root: root + "/" + codec.name, log: log)
        }
    }

    private static func benchCodec(_ codec: ShardCodec, pool: [TokenRecord], megabytes: Int, root: String,
                                   log: (String) -> Void) throws {
        // (4) write speed, 1 and 2 threads
        let dir = root + "/set"
        var written = ShardSetSummary()
        for threads in [1, 2] {
            written = try write(pool, bytes: megabytes << 20, codec: codec, threads: threads, to: dir)
            log(String(format: "write  %d thread%@: %7.1f MB/s uncompressed (%.2f s, %d records, %d blocks, ratio %.2f×)",
                       threads, threads == 1 ? " " : "s", mb(written.uncompressedBytes) / written.seconds, written.seconds,
                       written.records, written.blocks, written.compressionRatio))
        }
        // (1) sequential decode vs the command line tool on the same compressed bytes
        let set = try ShardSet(directory: dir, cacheBytes: 64 << 20)
        let tool = codec.name == "lz4" ? "lz4" : "zstd"
        let baseline = try baselineFile(set, codec: codec, path: root + "/blocks." + (codec.name == "lz4" ? "lz4" : "zst"))
        let bytes = mb(written.uncompressedBytes)
        let (ours, cli, checksum) = try compareDecode(set, tool: tool, baseline: baseline)
        log(String(format: "decode (views, 1 core):   %7.1f MB/s  %6.1f M tokens/s  (best of 5: %.3f s wall, %.3f s CPU; "
                   + "reads every token, sum %08x)", bytes / ours.wall, Double(set.tokenCount) / ours.wall / 1e6, ours.wall,
                   ours.cpu, UInt32(truncatingIfNeeded: checksum)))
        let t = Date()
        var materialized = 0
        try set.scan { _, record in materialized &+= record.tokens.count }
        let full = Date().timeIntervalSince(t)
        log(String(format: "decode (TokenRecord):     %7.1f MB/s  %6.1f M tokens/s  (%.3f s, owned arrays per record)",
                   bytes / full, Double(materialized) / full / 1e6, full))
        if let cli {
            log(String(format: "%@ -d (same blocks):     %7.1f MB/s  (best of 5: %.3f s wall, %.3f s CPU; output to /dev/null)",
                       tool, bytes / cli.wall, cli.wall, cli.cpu))
        }
        try randomReads(dir: dir, set: set, log: log)
        try residentMemory(pool: pool, codec: codec, megabytes: megabytes, root: root, log: log)
        if let cli {
            log(String(format: "CPU-time ratio vs %@ -d: %.2f (robust to other load on a shared machine)", tool, cli.cpu / ours.cpu))
            log(String(format: "ratio vs %@ -d: %.2f", tool, cli.wall / ours.wall))
        } else {
            log("ratio vs \(tool) -d: n/a (\(tool) not found)")
        }
    }

    typealias Timing = (wall: Double, cpu: Double)

    /// Five rounds, each timing our scan then the tool (interleaved, so both see the same machine load);
    /// best wall-clock and best CPU time of each. The tool's time is nil when it is not installed.
    static func compareDecode(_ set: ShardSet, tool: String, baseline: String) throws -> (Timing, Timing?, Int) {
        var ours: Timing = (.infinity, .infinity), cli: Timing? = (.infinity, .infinity), checksum = 0
        for _ in 0..<5 {
            let cpu = cpuSeconds(), t = Date()
            checksum = 0
            try set.scanViews { _, view in checksum &+= sumTokens(view) }
            ours = (min(ours.wall, Date().timeIntervalSince(t)), min(ours.cpu, cpuSeconds() - cpu))
            if let best = cli {
                cli = try timeTool(tool, baseline).map { (min(best.wall, $0.wall), min(best.cpu, $0.cpu)) }
            }
        }
        return (ours, cli, checksum)
    }

    static func mb(_ bytes: Int) -> Double { Double(bytes) / 1e6 }

    /// Reads every token id of a record in place (what a consumer of the view does).
    @inline(__always) static func sumTokens(_ view: TokenRecordView) -> Int {
        let bytes = view.tokenBytes
        var sum: UInt32 = 0
        if view.width == 4 {
            for i in 0..<view.tokenCount { sum &+= bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) }
        } else {
            for i in 0..<view.tokenCount { sum &+= UInt32(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        }
        return Int(sum)
    }

    /// Writes records from `pool` (cycled) until `bytes` of token data; returns the writer's summary.
    static func write(_ pool: [TokenRecord], bytes: Int, codec: ShardCodec, threads: Int, to dir: String) throws -> ShardSetSummary {
        let options = ShardWriterOptions(codec: codec, blockBytes: 1 << 20, shardBytes: 64 << 20, threads: threads, overwrite: true)
        let writer = try ShardSetWriter(directory: dir, options: options, tokenizer: tokenizer,
                                        command: "dispo bench shards", info: ["source": "synthetic"])
        var total = 0, i = 0
        while total < bytes {
            let r = pool[i % pool.count]
            try writer.append(r)
            total += r.tokens.count * 4 + r.metadata.count + (r.lossMask == nil ? 0 : r.tokens.count / 8) + 9
            i += 1
        }
        return try writer.finish()
    }

    /// The set's compressed blocks as one file the command line tool reads: concatenated zstd frames, or an
    /// LZ4 frame (independent blocks, 4 MB max, no checksums) whose blocks are the shard's LZ4 blocks.
    static func baselineFile(_ set: ShardSet, codec: ShardCodec, path: String) throws -> String {
        guard let out = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }() else { throw SystemError(file: path, operation: "create", code: errno) }
        defer { try? out.close() }
        let lz4 = codec.name == "lz4"
        if lz4 { try out.write(contentsOf: lz4FrameHeader()) }
        for file in set.files {
            for b in 0..<file.blocks.count {
                let bytes = file.compressedBytes(block: b)
                if lz4 { try out.write(contentsOf: littleEndian(UInt32(bytes.count))) }
                try out.write(contentsOf: bytes)
            }
        }
        if lz4 { try out.write(contentsOf: littleEndian(UInt32(0))) }
        return path
    }

    static func littleEndian(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }

    /// Magic, FLG, BD and header checksum of an LZ4 frame (independent blocks of up to 4 MB, no
    /// checksums), as liblz4's LZ4F_compressBegin writes them.
    static func lz4FrameHeader() -> Data {
        var prefs = LZ4F_preferences_t()
        prefs.frameInfo.blockSizeID = LZ4F_max4MB
        prefs.frameInfo.blockMode = LZ4F_blockIndependent
        var context: OpaquePointer?
        precondition(LZ4F_isError(LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, "LZ4F context")
        defer { LZ4F_freeCompressionContext(context) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { LZ4F_compressBegin(context, $0.baseAddress, 64, &prefs) }
        precondition(LZ4F_isError(n) == 0 && n == 7, "LZ4F_compressBegin failed")
        return Data(buffer[0..<n])
    }

    /// Wall-clock and CPU seconds of one `tool -d -c file > /dev/null`, or nil when the tool is missing.
    static func timeTool(_ tool: String, _ file: String) throws -> Timing? {
        guard let run = try? ChildProcess.run([tool, "-d", "-q", "-c", file], keepOutput: false), run.status == 0 else { return nil }
        return (run.wall, run.cpu)
    }

    /// (2) random record reads: cold (no cache: every read decodes its block) and warm (records of blocks
    /// that fit the 64 MiB cache, after one pass over them).
    static func randomReads(dir: String, set: ShardSet, log: (String) -> Void) throws {
        var rng = SyntheticTokens.Random(state: 99)
        let cold = try ShardSet(directory: dir, cacheBytes: 0)
        let n = 2000
        var t = Date()
        for _ in 0..<n { _ = try cold.record(at: rng.below(cold.count)) }
        let coldRate = Double(n) / Date().timeIntervalSince(t)
        let warm = try ShardSet(directory: dir, cacheBytes: 64 << 20)
        let hot = warm.files[0].blocks.prefix(48).reduce(0) { $0 + $1.recordCount }
        for i in 0..<hot { _ = try warm.record(at: i) }
        let m = 200_000
        t = Date()
        for _ in 0..<m { _ = try warm.record(at: rng.below(hot)) }
        let warmRate = Double(m) / Date().timeIntervalSince(t)
        log(String(format: "random reads: cold %8.0f records/s (every read decodes a block), warm %9.0f records/s "
                   + "(%d records in 48 cached blocks)", coldRate, warmRate, hot))
    }

    /// (3) RSS sampled during scans of the set and of a set twice as large: total, and the file-backed
    /// part (mapped shard pages), which would grow with the set if pages were not released.
    static func residentMemory(pool: [TokenRecord], codec: ShardCodec, megabytes: Int, root: String,
                               log: (String) -> Void) throws {
        var lines: [String] = []
        for factor in [1, 2] {
            let dir = factor == 1 ? root + "/set" : root + "/set2x"
            if factor == 2 { _ = try write(pool, bytes: (megabytes * 2) << 20, codec: codec, threads: 2, to: dir) }
            let set = try ShardSet(directory: dir)
            let before = residentBytes()
            var peak = before, sampled = 0
            try set.scanViews { _, view in
                sampled &+= 1
                if sampled % 64 == 0 {
                    let now = residentBytes()
                    peak = (max(peak.total, now.total), max(peak.file, now.file))
                }
                _ = view.tokenCount
            }
            lines.append(String(format: "%d MB set (%d MB compressed): RSS %.1f MB before, max %.1f MB during (+%.1f MB); "
                                + "file-backed %.1f → max %.1f MB", megabytes * factor, Int(mb(set.files.reduce(0) { $0 + $1.size })),
                                mb(before.total), mb(peak.total), mb(peak.total - before.total), mb(before.file), mb(peak.file)))
            if factor == 2 { try? FileManager.default.removeItem(atPath: dir) }
        }
        log("resident memory while scanning:")
        for line in lines { log("  " + line) }
        log(String(format: "  peak RSS of the process so far: %.1f MB (includes the 24 MB record pool for writing and the "
                   + "64 MiB block cache of the warm random-read test)", mb(peakResidentBytes())))
    }

    /// Current resident set size (total, file-backed) from /proc/self/status; zeros where unavailable.
    static func residentBytes() -> (total: Int, file: Int) {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Int(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0) * 1024
        }
        return (field("VmRSS"), field("RssFile"))
    }
}

/// Synthetic tokenized "math text": a Zipf(1.1) unigram distribution over the vocabulary (id = frequency
/// rank, as BPE vocabularies roughly are) mixed with a library of repeated phrases (templates, formulas).
struct SyntheticTokens {
    /// DispoSupport's SplitMix64 with a modulo `below` and a unit-interval draw.
    struct Random {
        private var rng: SplitMix64
        init(state: UInt64) { rng = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { rng.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }

    var rng: Random
    let cdf: [Double]
    var phrases: [[TokenID]] = []

    init(seed: UInt64, vocabulary: Int = 151_936) {
        rng = Random(state: seed)
        var sum = 0.0
        cdf = (0..<vocabulary).map { sum += 1 / pow(Double($0 + 1), 1.1); return sum }
        phrases = (0..<2000).map { _ in (0..<(4 + rng.below(28))).map { _ in zipf() } }
    }

    mutating func zipf() -> TokenID {
        let u = rng.unit() * cdf[cdf.count - 1]
        var lo = 0, hi = cdf.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] < u { lo = mid + 1 } else { hi = mid }
        }
        return TokenID(lo)
    }

    /// Records of 64…1600 tokens (prompt + masked response) until about `bytes` of u32 token data.
    mutating func records(bytes: Int) -> [TokenRecord] {
        var out: [TokenRecord] = [], total = 0
        while total < bytes {
            let length = 64 + Int(pow(rng.unit(), 2) * 1536)
            var tokens: [TokenID] = []
            while tokens.count < length {
                if rng.below(100) < 30 {
                    tokens += phrases[min(phrases.count - 1, Int(zipf()) % phrases.count)]
                } else {
                    for _ in 0..<(1 + rng.below(12)) { tokens.append(zipf()) }
                }
            }
            let prompt = tokens.count / 4
            let mask = (0..<tokens.count).map { UInt8($0 >= prompt ? 1 : 0) }
            let meta = "{\"id\":\"synthetic-\(out.count)\",\"answer\":\"\(rng.below(10_000))\",\"source\":\"bench\"}"
            out.append(TokenRecord(tokens: tokens, lossMask: mask, metadata: Array(meta.utf8)))
            total += tokens.count * 4
        }
        return out
    }
}
