// `dispo score`: per-token log-probs and entropies of given token sequences under a model. Each JSONL input
// line is {"ids": [...], "start": k} (start, the first scored position, defaults to 1); the output line holds
// `logprobs` and `entropies` of ids[start...] given everything before them, under softmax(logits / τ), i.e.
// what the learner's forward computes and what `dispo sample` reports for the tokens it drew.
// Lines go through the model in micro-batches of at most `batchTokens` padded tokens.
// Also holds the JSONL helpers shared with SampleJob: line reading with line numbers, and JSON writing.

import DispoEngine
import DispoSupport
import Foundation

public struct ScoreJobOptions: Sendable {
    public var modelDirectory: String
    public var inputPath: String
    public var temperature: Float = 1
    /// BLAS and element-wise threads.
    public var threads = 1
    /// Padded tokens (B·T) per forward pass at most (one longer sequence still goes alone).
    public var batchTokens = 8192

    public init(modelDirectory: String, inputPath: String) {
        self.modelDirectory = modelDirectory
        self.inputPath = inputPath
    }
}

public enum ScoreJob {
    /// One sequence to score: its ids and the first scored position.
    struct Item { var ids: [Int32]; var start: Int }

    /// Reads every line first (a bad line fails before any output), then writes one JSON line per input line.
    public static func run(_ o: ScoreJobOptions, write: (String) throws -> Void) throws {
        try Limits.check(Double(o.temperature), Limits.temperature, lowerOpen: true, file: "command line", place: "--temperature")
        try Limits.check(o.threads, Limits.threads, file: "command line", place: "--threads")
        let model = try Transformer.load(directory: o.modelDirectory)
        Gemm.setThreads(o.threads)
        model.threads = o.threads
        let items = try read(o.inputPath, vocab: model.config.vocabSize)
        try score(items, model: model, temperature: o.temperature, batchTokens: o.batchTokens, write: write)
    }

    static func read(_ path: String, vocab: Int) throws -> [Item] {
        try JSONLines.read(path).map { line in
            let object = try line.reader.object()
            let idsReader = try object.required("ids", "an array of token ids")
            let ids = try JSONLines.tokenIDs(idsReader, vocab: vocab)
            guard ids.count >= 2 else { throw idsReader.error("at least 2 token ids (one to condition on, one to score)", found: "\(ids.count)") }
            let start = try object.optional("start")?.int(1...(ids.count - 1), "a start position in [1, \(ids.count - 1)]") ?? 1
            try object.finish()
            return Item(ids: ids, start: start)
        }
    }

    static func score(_ items: [Item], model: Transformer, temperature: Float, batchTokens: Int,
                      write: (String) throws -> Void) throws {
        var first = 0
        while first < items.count {
            // Grow the micro-batch while its padded size B·T stays within budget.
            var end = first + 1, longest = items[first].ids.count
            while end < items.count, (end - first + 1) * max(longest, items[end].ids.count) <= batchTokens {
                longest = max(longest, items[end].ids.count)
                end += 1
            }
            let group = items[first..<end]
            let batch = TokenBatch(sequences: group.map(\.ids), scoreFrom: group.map(\.start))
            let scores = try model.forward(batch, temperature: temperature)
            for (b, item) in group.enumerated() {
                let range = (b * batch.T + item.start - 1)..<(b * batch.T + item.ids.count - 1)
                try write("{\"logprobs\":\(JSONLines.floats(scores.logProbs[range])),\"entropies\":\(JSONLines.floats(scores.entropies[range]))}")
            }
            first = end
        }
    }
}

/// JSONL reading and writing shared by the model jobs.
enum JSONLines {
    struct Line { var number: Int; var reader: JSONReader }

    /// The non-blank lines of `path`, each parsed as JSON with its 1-based line number.
    static func read(_ path: String) throws -> [Line] {
        let data = try FileSystem.read(path, "a JSONL file")
        var lines: [Line] = []
        for (index, bytes) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw InputError(file: path, place: "line \(index + 1)", expected: "UTF-8 text", found: "invalid UTF-8 bytes")
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            let node = try JSONParser.parse(text, file: path, firstLine: index + 1)
            lines.append(Line(number: index + 1, reader: JSONReader(node: node, file: path)))
        }
        guard !lines.isEmpty else { throw InputError(file: path, expected: "at least one JSON line", found: "an empty file") }
        return lines
    }

    /// A non-empty array of token ids, each in 0..<vocab.
    static func tokenIDs(_ reader: JSONReader, vocab: Int) throws -> [Int32] {
        let elements = try reader.array()
        guard !elements.isEmpty else { throw reader.error("a non-empty array of token ids", found: "[]") }
        return try elements.map { Int32(try $0.int(0...(vocab - 1), "a token id in [0, \(vocab)) (the model's vocabulary)")) }
    }

    /// A JSON array of floats in Swift's shortest round-trip form; non-finite values become null.
    static func floats(_ values: some Collection<Float>) -> String {
        "[" + values.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]"
    }

    static func ints(_ values: [Int32]) -> String { "[" + values.map { String($0) }.joined(separator: ",") + "]" }
}
