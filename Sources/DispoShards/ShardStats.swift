// Text reports on a shard set for `dispo shards stats` and `dispo shards inspect`: counts, bytes,
// compression ratio, a record-length histogram with percentiles, and the header / manifest / block
// table of each shard file. The CLI only prints these strings.

import DispoSupport
import Foundation

/// Counts of values (e.g. tokens per record) with exact percentiles and a text histogram.
public struct LengthHistogram: Sendable, Equatable {
    /// value → how many times it occurred.
    public private(set) var counts: [Int: Int] = [:]
    public private(set) var total = 0
    public private(set) var sum = 0

    public init() {}

    public mutating func add(_ value: Int) {
        counts[value, default: 0] += 1
        total += 1
        sum += value
    }

    public var minimum: Int { counts.keys.min() ?? 0 }
    public var maximum: Int { counts.keys.max() ?? 0 }
    public var mean: Double { total > 0 ? Double(sum) / Double(total) : 0 }

    /// The smallest value v with at least p% of the values ≤ v (p in 0...100).
    public func percentile(_ p: Double) -> Int {
        guard total > 0 else { return 0 }
        let rank = max(1, Int((p / 100 * Double(total)).rounded(.up)))
        var seen = 0
        for (value, count) in counts.sorted(by: { $0.key < $1.key }) {
            seen += count
            if seen >= rank { return value }
        }
        return maximum
    }

    /// `buckets` equal-width rows from minimum to maximum, each with a bar scaled to `width` characters.
    public func render(buckets: Int = 12, width: Int = 40) -> String {
        guard total > 0 else { return "  (no records)\n" }
        let lo = minimum, hi = maximum
        let step = max(1, Int((Double(hi - lo + 1) / Double(max(1, buckets))).rounded(.up)))
        var rows = Array(repeating: 0, count: (hi - lo) / step + 1)
        for (value, n) in counts { rows[(value - lo) / step] += n }
        let peak = rows.max() ?? 1
        let labelWidth = String(hi).count
        var text = ""
        for (i, n) in rows.enumerated() {
            let from = lo + i * step, to = min(hi, from + step - 1)
            let label = pad(String(from), labelWidth) + "–" + pad(String(to), labelWidth)
            let bar = String(repeating: "#", count: n == 0 ? 0 : max(1, n * width / peak))
            text += "  \(label) | \(pad(bar, width, left: false)) \(n)\n"
        }
        let ps = [50.0, 90.0, 99.0, 99.9].map { "p\(formatPercent($0))=\(percentile($0))" }.joined(separator: " ")
        text += String(format: "  min=%d mean=%.1f ", minimum, mean) + ps + " max=\(maximum)\n"
        return text
    }

    private func formatPercent(_ p: Double) -> String { p == p.rounded() ? String(Int(p)) : String(p) }
}

func pad(_ s: String, _ width: Int, left: Bool = true) -> String {
    let fill = String(repeating: " ", count: max(0, width - s.count))
    return left ? fill + s : s + fill
}

/// "1.5 KiB", "12.0 MiB".
public func formatBytes(_ n: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(n), unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
}

/// Counts and length distribution of a whole set (one sequential scan).
public struct ShardSetStats: Sendable {
    public var records = 0, tokens = 0, maskedRecords = 0, maskedTokens = 0
    public var shards = 0, blocks = 0
    public var fileBytes = 0, compressedBytes = 0, uncompressedBytes = 0
    public var lengths = LengthHistogram()
    public var metadataBytes = LengthHistogram()

    public var compressionRatio: Double { compressedBytes > 0 ? Double(uncompressedBytes) / Double(compressedBytes) : 0 }

    public static func compute(_ set: ShardSet) throws -> ShardSetStats {
        var s = ShardSetStats()
        s.shards = set.files.count
        for file in set.files {
            s.blocks += file.blocks.count
            s.fileBytes += file.size
            s.compressedBytes += file.blocks.reduce(0) { $0 + $1.compressedSize }
            s.uncompressedBytes += file.footer.uncompressedBytes
        }
        try set.scanViews { _, view in
            s.records += 1
            s.tokens += view.tokenCount
            s.lengths.add(view.tokenCount)
            s.metadataBytes.add(view.metadata.count)
            if let mask = view.lossMask {
                s.maskedRecords += 1
                s.maskedTokens += mask.reduce(0) { $0 + Int($1) }
            }
        }
        return s
    }

    public func report(directory: String, codec: ShardCodec) -> String {
        var text = "shard set \(directory)\n"
        text += "  records \(records), tokens \(tokens) (\(String(format: "%.1f", lengths.mean)) per record)\n"
        text += "  shards \(shards), blocks \(blocks), codec \(codec)\n"
        text += "  bytes: \(formatBytes(uncompressedBytes)) uncompressed, \(formatBytes(compressedBytes)) compressed blocks, "
        text += "\(formatBytes(fileBytes)) on disk; compression ratio \(String(format: "%.2f", compressionRatio))×\n"
        if maskedRecords > 0 {
            text += "  loss masks: \(maskedRecords) records; \(maskedTokens) of their tokens count in the loss\n"
        }
        text += "tokens per record:\n" + lengths.render()
        text += "metadata bytes per record:\n" + metadataBytes.render(buckets: 6)
        return text
    }
}

public enum ShardInspect {
    /// Manifest, then for each shard its header, footer and (with `blocks`) the block table.
    public static func report(_ set: ShardSet, blocks: Bool = true) throws -> String {
        var text = "manifest.json:\n" + (try set.manifest.encoded())
        for file in set.files {
            let h = file.header, f = file.footer
            text += "\n\(file.path): \(formatBytes(file.size)) (\(file.size) bytes)\n"
            text += "  header: version \(ShardFormat.version), shard \(h.shardNumber), token width \(h.tokenWidth), "
            text += "codec \(h.codec), block target \(h.blockBytes) bytes, vocabulary \(h.vocabularySize)\n"
            text += "  footer: \(f.blockCount) blocks, \(f.recordCount) records, \(f.tokenCount) tokens, "
            text += "\(f.uncompressedBytes) uncompressed bytes, block table at byte \(f.indexOffset), "
            text += "table XXH64 \(XXH64.hex(f.indexChecksum))\n"
            guard blocks else { continue }
            text += "  block      offset   compressed uncompressed  records first_record   tokens  xxh64(compressed) xxh64(uncompressed)\n"
            for (i, e) in file.blocks.enumerated() {
                text += "  " + [pad(String(i), 5), pad(String(e.offset), 11), pad(String(e.compressedSize), 12),
                                pad(String(e.uncompressedSize), 12), pad(String(e.recordCount), 8),
                                pad(String(e.firstRecord), 12), pad(String(e.tokenCount), 8),
                                XXH64.hex(e.compressedChecksum), "  " + XXH64.hex(e.uncompressedChecksum)].joined(separator: " ") + "\n"
            }
        }
        return text
    }
}

/// JSON Lines output of records for `dispo shards cat`.
public enum ShardJSONL {
    /// `{"index":…,"tokens":[…],"loss_mask":[…] (if present),"metadata":{…},"text":"…" (if given)}`.
    /// Metadata that does not parse as a JSON object is emitted as a string under "metadata_text".
    public static func line(index: Int, record: TokenRecord, text: String? = nil) -> String {
        var out = "{\"index\":\(index),\"tokens\":[" + record.tokens.map { String($0) }.joined(separator: ",") + "]"
        if let mask = record.lossMask { out += ",\"loss_mask\":[" + mask.map { String($0) }.joined(separator: ",") + "]" }
        if JSONValue.parse(bytes: record.metadata)?.members != nil {
            out += ",\"metadata\":" + record.metadataText.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            out += ",\"metadata_text\":" + quote(record.metadataText)
        }
        if let text { out += ",\"text\":" + quote(text) }
        return out + "}"
    }

    /// A JSON string literal of `s`.
    public static func quote(_ s: String) -> String { JSONString.literal(s) }
}
