// Writing a shard set, streaming with bounded memory: records are encoded into a block builder,
// full blocks go to the parallel compression pipeline, and compressed blocks come back in order to be
// appended to the current shard file. Each shard file is written under a temporary name and renamed
// when complete (AtomicFile); manifest.json is written last, so the set is complete only when it
// exists. `abandon()` (or a failure, or dropping the writer unfinished) removes everything this
// writer created.

import DispoSupport
import Foundation

public struct ShardWriterOptions: Sendable {
    public var codec: ShardCodec = .zstd(level: 3)
    /// Target uncompressed bytes per block; a block closes before a record would overflow it.
    public var blockBytes = 1 << 20
    /// Target uncompressed bytes per shard file.
    public var shardBytes = 256 << 20
    /// Blocks compressed at once.
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    /// Replace an existing set in the directory.
    public var overwrite = false

    public init(codec: ShardCodec = .zstd(level: 3), blockBytes: Int = 1 << 20, shardBytes: Int = 256 << 20,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, overwrite: Bool = false) {
        self.codec = codec
        self.blockBytes = blockBytes
        self.shardBytes = shardBytes
        self.threads = threads
        self.overwrite = overwrite
    }
}

public struct ShardSetSummary: Sendable, Equatable {
    public var records = 0
    public var tokens = 0
    /// Bytes of all uncompressed blocks.
    public var uncompressedBytes = 0
    /// Bytes of all compressed blocks (block data only).
    public var compressedBytes = 0
    /// Bytes of the shard files on disk (blocks, headers, block tables, footers).
    public var fileBytes = 0
    public var shards = 0
    public var blocks = 0
    public var seconds = 0.0

    public init() {}

    /// Uncompressed / compressed block bytes.
    public var compressionRatio: Double { compressedBytes > 0 ? Double(uncompressedBytes) / Double(compressedBytes) : 0 }
}

public final class ShardSetWriter {
    public let directory: String
    public let options: ShardWriterOptions
    public let tokenizer: ShardTokenizerInfo
    let command: String
    let info: [String: String]
    let width: Int
    private let started = Date()
    private var builder = BlockBuilder()
    private let pipeline: BlockPipeline
    private var sealedShard = 0
    private var sealedShardBytes = 0
    private var output: ShardOutput?
    private var shards: [ShardManifest.Shard] = []
    private var committed: [String] = []
    private var summary = ShardSetSummary()
    private var maskedRecords = 0
    private var state = State.open

    private enum State { case open, finished, failed, abandoned }

    public init(directory: String, options: ShardWriterOptions, tokenizer: ShardTokenizerInfo, command: String,
                info: [String: String] = [:]) throws {
        try Self.validate(options, tokenizer: tokenizer, directory: directory)
        self.directory = directory
        self.options = options
        self.tokenizer = tokenizer
        self.command = command
        self.info = info
        width = ShardManifest.tokenWidth(vocabularySize: tokenizer.vocabularySize)
        pipeline = BlockPipeline(threads: options.threads, codec: options.codec)
        try Self.prepare(directory: directory, overwrite: options.overwrite)
    }

    deinit {
        if state == .open || state == .failed { abandon() }
    }

    private static func validate(_ options: ShardWriterOptions, tokenizer: ShardTokenizerInfo, directory: String) throws {
        try options.codec.validate(file: directory)
        func bad(_ what: String, _ expected: String, _ found: Int) -> InputError {
            InputError(file: directory, place: "writer options", expected: "\(what) \(expected)", found: "\(found)")
        }
        guard (256...ShardFormat.maxBlockBytes).contains(options.blockBytes) else {
            throw bad("blockBytes", "in 256...\(ShardFormat.maxBlockBytes)", options.blockBytes)
        }
        guard options.shardBytes >= options.blockBytes else { throw bad("shardBytes", "≥ blockBytes", options.shardBytes) }
        guard options.threads >= 1 else { throw bad("threads", "≥ 1", options.threads) }
        guard (1...(1 << 32)).contains(tokenizer.vocabularySize) else {
            throw bad("tokenizer vocabularySize", "in 1...2^32", tokenizer.vocabularySize)
        }
    }

    /// Creates the directory, or clears an old set from it when `overwrite` allows (manifest first, so an
    /// interrupted overwrite leaves an incomplete set, never a mix that looks complete).
    private static func prepare(directory: String, overwrite: Bool) throws {
        try FileSystem.createDirectory(directory)
        let names = try FileSystem.list(directory)
        let old = names.filter { $0 == ShardManifest.fileName || ($0.hasPrefix("shard-") && $0.hasSuffix("." + ShardFormat.fileExtension)) }
        guard !old.isEmpty else { return }
        guard overwrite else {
            let complete = old.contains(ShardManifest.fileName)
            throw InputError(file: directory, expected: "a new or empty directory for the shard set",
                             found: complete ? "an existing shard set (\(old.count - 1) shard files and manifest.json)"
                                             : "\(old.count) shard files of an incomplete set",
                             hint: "pass overwrite (`--overwrite`) to replace it, or choose another directory")
        }
        let manifestFirst = old.filter { $0 == ShardManifest.fileName } + old.filter { $0 != ShardManifest.fileName }
        for name in manifestFirst { try FileSystem.remove(directory + "/" + name) }
    }

    /// Appends one record. Throws InputError (and writes nothing) for a record with token ids outside
    /// the vocabulary, a loss mask of the wrong length or values, or metadata that is not a JSON object.
    public func append(_ record: TokenRecord) throws {
        guard state == .open else { throw stateError("append") }
        try check(record)
        let size = RecordEncoding.encodedSize(tokens: record.tokens.count, mask: record.lossMask != nil,
                                              metadata: record.metadata.count, width: width)
        if builder.count > 0, builder.size + size + 4 > options.blockBytes { try sealBlock() }
        builder.append(record, width: width)
        summary.records += 1
        summary.tokens += record.tokens.count
        if record.lossMask != nil { maskedRecords += 1 }
        if builder.size >= options.blockBytes { try sealBlock() }
    }

    private func check(_ record: TokenRecord) throws {
        let place = "record \(summary.records)"
        func bad(_ expected: String, _ found: String) -> InputError {
            InputError(file: directory, place: place, expected: expected, found: found)
        }
        let vocab = tokenizer.vocabularySize
        if let t = record.tokens.first(where: { $0 < 0 || Int($0) >= vocab }) {
            throw bad("token ids in 0..<\(vocab) (the tokenizer's vocabulary)", "\(t)")
        }
        if let mask = record.lossMask {
            guard mask.count == record.tokens.count else { throw bad("a loss mask of \(record.tokens.count) values", "\(mask.count)") }
            if let m = mask.first(where: { $0 > 1 }) { throw bad("loss mask values 0 or 1", "\(m)") }
        }
        let limit = ShardFormat.maxBlockBytes / 2
        let size = RecordEncoding.encodedSize(tokens: record.tokens.count, mask: record.lossMask != nil,
                                              metadata: record.metadata.count, width: width)
        guard size <= limit else { throw bad("a record of at most \(limit) bytes encoded", "\(size) bytes") }
        guard let problem = Self.metadataProblem(record.metadata) else { return }
        throw bad("metadata as UTF-8 JSON object text", problem)
    }

    /// Why `metadata` is not UTF-8 text of the form `{…}` (whitespace around allowed), or nil.
    static func metadataProblem(_ metadata: [UInt8]) -> String? {
        let isText = { (b: UInt8) in b != 0x20 && b != 0x09 && b != 0x0A && b != 0x0D }
        let first = metadata.firstIndex(where: isText), last = metadata.lastIndex(where: isText)
        guard let first, let last, metadata[first] == UInt8(ascii: "{"), metadata[last] == UInt8(ascii: "}"), first < last else {
            return InputError.excerpt(String(decoding: metadata, as: UTF8.self))
        }
        return String(validating: metadata, as: UTF8.self) == nil ? "invalid UTF-8" : nil
    }

    private func stateError(_ call: String) -> InputError {
        InputError(file: directory, expected: "an open writer for \(call)()", found: "a writer that is \(state)",
                   hint: "a writer can be finished or abandoned once")
    }

    private func sealBlock() throws {
        guard builder.count > 0 else { return }
        let records = builder.count, tokens = builder.tokens
        let raw = builder.seal()
        sealedShardBytes += raw.count
        let closes = sealedShardBytes >= options.shardBytes
        let block = SealedBlock(raw: raw, records: records, tokens: tokens, shard: sealedShard, closesShard: closes)
        if closes {
            sealedShard += 1
            sealedShardBytes = 0
        }
        do {
            try pipeline.submit(block) { try write($0) }
        } catch {
            state = .failed
            throw error
        }
    }

    /// Appends a compressed block to its shard file, opening and closing files as blocks say.
    private func write(_ block: CompressedBlock) throws {
        let out: ShardOutput
        if let open = output {
            out = open
        } else {
            let header = ShardHeader(tokenWidth: width, codec: options.codec, blockBytes: options.blockBytes,
                                     shardNumber: block.shard, vocabularySize: tokenizer.vocabularySize)
            out = try ShardOutput(path: directory + "/" + ShardFormat.shardName(block.shard), header: header)
            output = out
        }
        try out.append(block)
        summary.uncompressedBytes += block.uncompressedSize
        summary.compressedBytes += block.bytes.count
        summary.blocks += 1
        if block.closesShard { try closeShard() }
    }

    private func closeShard() throws {
        guard let current = output else { return }
        output = nil
        let entry = try current.finish()
        committed.append(current.path)
        shards.append(entry)
        summary.fileBytes += entry.bytes
    }

    /// Writes the last block, closes the last shard and writes manifest.json. Returns what was written.
    public func finish() throws -> ShardSetSummary {
        guard state == .open else { throw stateError("finish") }
        do {
            try sealBlock()
            try pipeline.drain { try write($0) }
            try closeShard()
            let manifest = ShardManifest(
                format: ShardManifest.formatName, version: ShardManifest.currentVersion, schema: ShardManifest.recordSchema,
                tokenWidth: width, codec: options.codec, blockBytes: options.blockBytes, tokenizer: tokenizer,
                command: command, created: ISO8601DateFormatter().string(from: Date()), info: info,
                records: summary.records, tokens: summary.tokens, maskedRecords: maskedRecords, shards: shards)
            try AtomicFile.write(try manifest.encoded(), to: directory + "/" + ShardManifest.fileName)
        } catch {
            state = .failed
            abandon()
            throw error
        }
        state = .finished
        summary.shards = shards.count
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// Stops writing and removes every file this writer made (finished shard files and temporaries).
    /// Does nothing after a successful `finish()`.
    public func abandon() {
        guard state != .finished, state != .abandoned else { return }
        state = .abandoned
        pipeline.cancel()
        output = nil
        for path in committed { unlink(path) }
        committed = []
    }
}

/// One shard file being written: header, blocks, then block table and footer on `finish()`.
final class ShardOutput {
    let path: String
    private let file: AtomicFile
    private var entries: [ShardBlockEntry] = []
    private var records = 0, tokens = 0, uncompressed = 0

    init(path: String, header: ShardHeader) throws {
        self.path = path
        file = try AtomicFile(path: path)
        try file.write(header.encoded())
    }

    func append(_ block: CompressedBlock) throws {
        entries.append(ShardBlockEntry(offset: file.size, compressedSize: block.bytes.count,
                                       uncompressedSize: block.uncompressedSize, firstRecord: records,
                                       recordCount: block.records, tokenCount: block.tokens,
                                       compressedChecksum: block.compressedChecksum,
                                       uncompressedChecksum: block.uncompressedChecksum))
        try file.write(block.bytes)
        records += block.records
        tokens += block.tokens
        uncompressed += block.uncompressedSize
    }

    /// Writes the block table and footer, commits the file, and returns its manifest entry.
    func finish() throws -> ShardManifest.Shard {
        var table = ByteWriter()
        for e in entries { e.encode(into: &table) }
        let footer = ShardFooter(indexOffset: file.size, blockCount: entries.count, recordCount: records,
                                 tokenCount: tokens, uncompressedBytes: uncompressed, indexChecksum: XXH64.hash(table.bytes))
        try file.write(table.bytes)
        try file.write(footer.encoded())
        try file.commit()
        return ShardManifest.Shard(file: (path as NSString).lastPathComponent, records: records, tokens: tokens,
                                   blocks: entries.count, bytes: file.size, uncompressedBytes: uncompressed)
    }
}
