// manifest.json of a shard set: written last by the writer, so a directory without it is an
// incomplete set. It names every shard file with its counts, the codec, token width, tokenizer
// identity, the command that made the set and free-form info (dataset source, template, split).

import DispoSupport
import Foundation

/// The tokenizer recorded in a manifest (DispoSupport.TokenizerIdentity; JSON keys name, kind, hash,
/// vocabulary_size).
public typealias ShardTokenizerInfo = TokenizerIdentity

public struct ShardManifest: Codable, Sendable, Equatable {
    public static let formatName = "dispo-shards"
    public static let currentVersion = 1
    public static let recordSchema = "token-record/1"
    public static let fileName = "manifest.json"

    /// One shard file of the set.
    public struct Shard: Codable, Sendable, Equatable {
        public var file: String
        public var records: Int
        public var tokens: Int
        public var blocks: Int
        /// Size of the file on disk.
        public var bytes: Int
        public var uncompressedBytes: Int

        enum CodingKeys: String, CodingKey {
            case file, records, tokens, blocks, bytes
            case uncompressedBytes = "uncompressed_bytes"
        }
    }

    /// Always "dispo-shards".
    public var format: String
    public var version: Int
    /// Record layout: "token-record/1" (tokens, optional loss mask, JSON metadata).
    public var schema: String
    /// 2 (u16) or 4 (u32) bytes per token id on disk.
    public var tokenWidth: Int
    public var codec: ShardCodec
    public var blockBytes: Int
    public var tokenizer: ShardTokenizerInfo
    public var command: String
    /// ISO 8601 UTC time of writing.
    public var created: String
    public var info: [String: String]
    public var records: Int
    public var tokens: Int
    /// Records that carry a loss mask.
    public var maskedRecords: Int
    public var shards: [Shard]

    enum CodingKeys: String, CodingKey {
        case format, version, schema, codec, tokenizer, command, created, info, records, tokens, shards
        case tokenWidth = "token_width"
        case blockBytes = "block_bytes"
        case maskedRecords = "masked_records"
    }

    /// Token width for a vocabulary: u16 when every id fits, else u32.
    public static func tokenWidth(vocabularySize: Int) -> Int { vocabularySize <= 65536 ? 2 : 4 }

    func encoded() throws -> String {
        try JSONWriter.encode(self, pretty: true) + "\n"
    }

    /// Loads and checks `directory/manifest.json`.
    public static func load(directory: String) throws -> ShardManifest {
        let path = directory + "/" + fileName
        let kind = FileSystem.kind(directory)
        guard kind == .directory else {
            throw InputError(file: directory, expected: "a shard set directory", found: kind == .missing ? "nothing there" : kind.description,
                             hint: "create it with `dispo shard …`")
        }
        guard FileSystem.kind(path) != .missing else {
            let shards = ((try? FileSystem.list(directory)) ?? []).filter { $0.hasSuffix("." + ShardFormat.fileExtension) }
            throw InputError(file: path, expected: "the manifest of a complete shard set",
                             found: shards.isEmpty ? "no manifest and no shard files"
                                                   : "\(shards.count) shard files but no manifest (an incomplete set: writing did not finish)",
                             hint: "re-run `dispo shard …` to write the set again")
        }
        let bytes = try FileSystem.read(path, "the manifest of a shard set (a regular file)")
        func damaged(_ error: InputError) -> InputError {
            InputError(file: path, expected: "a dispo shard manifest (JSON)",
                       found: "\(error.place.map { $0 + ": " } ?? "")expected \(error.expected)" + (error.found.map { ", found \($0)" } ?? ""),
                       hint: "the manifest is damaged; re-run `dispo shard …`")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw damaged(InputError(file: path, expected: "UTF-8 text", found: "invalid UTF-8 bytes"))
        }
        let root: JSONNodeValue
        do { root = try JSONParser.parse(text, file: path) } catch let error as InputError { throw damaged(error) }
        try checkFormat(root.value, path: path)
        let manifest: ShardManifest
        do { manifest = try StrictJSONDecoder().decode(ShardManifest.self, from: root, file: path) } catch let error as InputError {
            throw damaged(error)
        }
        try manifest.validate(path: path)
        return manifest
    }

    /// Checks the manifest's own consistency (the shard files are checked against it when opened).
    func validate(path: String) throws {
        func bad(_ place: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: path, place: place, expected: expected, found: found, hint: "re-run `dispo shard …`")
        }
        guard format == Self.formatName else { throw bad("format", "\"\(Self.formatName)\"", InputError.excerpt(format)) }
        guard version == Self.currentVersion else { throw bad("version", "\(Self.currentVersion)", "\(version)") }
        guard schema == Self.recordSchema else { throw bad("schema", "\"\(Self.recordSchema)\"", InputError.excerpt(schema)) }
        guard tokenWidth == Self.tokenWidth(vocabularySize: tokenizer.vocabularySize) else {
            throw bad("token_width", "\(Self.tokenWidth(vocabularySize: tokenizer.vocabularySize)) for a vocabulary of "
                      + "\(tokenizer.vocabularySize)", "\(tokenWidth)")
        }
        try codec.validate(file: path)
        guard (1...Int(Int32.max)).contains(tokenizer.vocabularySize) else {
            throw bad("tokenizer.vocabulary_size", "a vocabulary size in [1, \(Int32.max)]", "\(tokenizer.vocabularySize)")
        }
        guard (1...ShardFormat.maxBlockBytes).contains(blockBytes) else {
            throw bad("block_bytes", "a block size in [1, \(ShardFormat.maxBlockBytes)]", "\(blockBytes)")
        }
        guard shards.count <= 1_000_000 else { throw bad("shards", "at most 1000000 shard files", "\(shards.count)") }
        var sumRecords = 0, sumTokens = 0
        for (i, shard) in shards.enumerated() {
            let counts = [shard.records, shard.tokens, shard.blocks, shard.bytes, shard.uncompressedBytes]
            guard counts.allSatisfy({ $0 >= 0 }), shard.blocks <= shard.records, shard.records <= shard.uncompressedBytes else {
                throw bad("shards[\(i)]", "non-negative counts with blocks ≤ records ≤ uncompressed bytes",
                          "\(shard.records) records, \(shard.tokens) tokens, \(shard.blocks) blocks, \(shard.bytes) bytes")
            }
            let (r, o1) = sumRecords.addingReportingOverflow(shard.records)
            let (t, o2) = sumTokens.addingReportingOverflow(shard.tokens)
            guard !o1, !o2 else { throw bad("shards[\(i)]", "counts whose totals fit a 64-bit integer", "an overflow") }
            (sumRecords, sumTokens) = (r, t)
        }
        guard records == sumRecords, tokens == sumTokens else {
            throw bad("records", "totals equal to the sum over shards (\(sumRecords) records, \(sumTokens) tokens)",
                      "\(records) records, \(tokens) tokens")
        }
        guard (0...records).contains(maskedRecords) else {
            throw bad("masked_records", "a count in [0, records = \(records)]", "\(maskedRecords)")
        }
        for (i, shard) in shards.enumerated() where shard.file != ShardFormat.shardName(i) {
            throw bad("shards[\(i)].file", ShardFormat.shardName(i), InputError.excerpt(shard.file))
        }
    }

    /// Format and version first, so a manifest from another tool or a newer dispo says so plainly.
    static func checkFormat(_ root: JSONValue, path: String) throws {
        if let format = root["format"]?.string, format != formatName {
            throw InputError(file: path, place: "format", expected: "\"\(formatName)\"", found: InputError.excerpt(format),
                             hint: "this directory does not hold a dispo shard set")
        }
        if let version = root["version"]?.int, version != currentVersion {
            throw InputError(file: path, place: "version", expected: "\(currentVersion)", found: "\(version)",
                             hint: "written by another dispo version; re-run `dispo shard …` with this one")
        }
    }
}
