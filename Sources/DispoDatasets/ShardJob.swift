// `dispo shard`: turns a math dataset file into token shard sets.
//
// Reads records (DatasetReader), maps fields (ProblemFields), renders the prompt (PromptTemplate, possibly the
// model's own chat template), tokenizes, and streams records into one ShardSetWriter per split. A split is drawn exactly and
// reproducibly: with n records and `test=0.05`, round(0.05·n) rows chosen by a SplitMix64 shuffle of the
// row indices under `seed` go to `OUT/test`, the rest to `OUT/train`. Any error abandons every writer,
// so nothing half-written is left looking complete.

import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation

public enum OverlongPolicy: String, Sendable, CaseIterable {
    case skip, error
}

public struct ShardJob {
    public var input: String
    public var format: DatasetFormat?
    public var fields = ProblemFields()
    public var template = PromptTemplate.plain
    public var output: String
    public var writer = ShardWriterOptions()
    public var maxPromptTokens: Int?
    public var overlong = OverlongPolicy.skip
    public var skipBad = false
    /// Held-out splits as (name, fraction); what remains goes to `train`. Empty: OUT is the one shard set.
    public var splits: [(name: String, fraction: Double)] = []
    public var seed: UInt64 = 0
    /// Name stored as each record's `source` (default: the input's folder and file stem, e.g. `gsm8k/test`).
    public var source: String?
    /// The command line, recorded in the manifest.
    public var command = ""
    public var showProgress = true

    public init(input: String, output: String) {
        self.input = input
        self.output = output
    }
}

public struct ShardJobSummary: Sendable {
    public struct Split: Sendable {
        public var name: String
        public var directory: String
        public var records: Int
        public var tokens: Int
    }
    public var splits: [Split] = []
    public var recordsRead = 0
    /// Reason → count of records left out.
    public var skipped: [String: Int] = [:]
    public var repairedEscapes = 0
    /// Characters the tokenizer has no token for (a char vocabulary's `<unk>`), and the records holding them.
    public var unknownCharacters = 0
    public var recordsWithUnknown = 0
    public var promptLengths: [Int] = []
    public var uncompressedBytes = 0
    public var compressedBytes = 0
    public var seconds = 0.0
    /// Lines about how prompts were made (the chat template used and how responses end).
    public var notes: [String] = []
}

extension ShardJob {
    public func validate() throws {
        var total = 0.0
        var seen: Set<String> = []
        for (name, fraction) in splits {
            guard name != "train", !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw InputError(file: "--split", place: name, expected: "a split name of letters, digits, - or _, other than train")
            }
            guard seen.insert(name).inserted else {
                throw InputError(file: "--split", place: name, expected: "each split name once", found: "\"\(name)\" given again",
                                 hint: "give one --split per held-out set, e.g. --split test=0.1 --split valid=0.1")
            }
            guard fraction > 0, fraction < 1 else {
                throw InputError(file: "--split", place: name, expected: "a fraction in (0, 1)", found: "\(fraction)")
            }
            total += fraction
        }
        guard total < 1 else { throw InputError(file: "--split", expected: "fractions that add up to less than 1", found: "\(total)") }
        if let maxPromptTokens {
            try Limits.check(maxPromptTokens, Limits.newTokens, file: "command line", place: "--max-prompt-tokens")
        }
    }

    /// Runs the job with `tokenizer`. Throws on the first bad record unless `skipBad`.
    public func run(tokenizer: any Tokenizer) throws -> ShardJobSummary {
        try validate()
        let started = Date()
        for token in template.requiredSpecialTokens where tokenizer.tokenID(for: token) == nil {
            throw InputError(file: tokenizer.identity.name, expected: "the special token \(token) that template \(template.name) writes",
                             found: "a tokenizer without it", hint: "use --template plain or dapo")
        }
        let (responseEnd, info, notes) = try chatSettings(tokenizer: tokenizer)
        let reader = try DatasetReader(path: input, format: format)
        let assignment = try splitAssignment(count: splits.isEmpty ? 0 : reader.countRecords())
        let names = splits.isEmpty ? [""] : ["train"] + splits.map(\.name)
        let identity = tokenizer.identity
        let source = self.source ?? Self.defaultSource(input)
        if !splits.isEmpty { try FileSystem.createDirectory(output) }
        var writers: [ShardSetWriter] = []
        do {
            for name in names {
                let directory = name.isEmpty ? output : output + "/" + name
                let base = ["source": source, "input": input, "template": template.name,
                            "split": name.isEmpty ? "all" : name, "seed": String(seed)]
                writers.append(try ShardSetWriter(directory: directory, options: writer, tokenizer: identity, command: command,
                                                  info: base.merging(info) { $1 }))
            }
            var summary = ShardJobSummary()
            summary.notes = notes
            var counts = Array(repeating: (records: 0, tokens: 0), count: names.count)
            let bar = ProgressBar(label: "shard \(source)", total: reader.totalBytes, unit: "B", enabled: showProgress ? nil : false)
            try reader.forEach { row in
                summary.recordsRead += 1
                bar.update(reader.bytesRead)
                guard let record = try encode(row, tokenizer: tokenizer, source: source, responseEnd: responseEnd,
                                              summary: &summary) else { return }
                let split = assignment.isEmpty ? 0 : Int(assignment[row.index])
                try writers[split].append(record)
                counts[split].records += 1
                counts[split].tokens += record.tokens.count
            }
            bar.finish(reader.totalBytes)
            if let empty = counts.indices.first(where: { counts[$0].records == 0 }) {
                throw InputError(file: input, expected: "at least one record in every shard set written",
                                 found: "\(summary.recordsRead) records read, none for \(names[empty].isEmpty ? output : output + "/" + names[empty])"
                                     + (summary.skipped.isEmpty ? "" : " (skipped: \(summary.skippedText))"),
                                 hint: names.count > 1 ? "raise the split's fraction or shard more records" : nil)
            }
            for (i, w) in writers.enumerated() {
                let written = try w.finish()
                summary.uncompressedBytes += written.uncompressedBytes
                summary.compressedBytes += written.compressedBytes
                summary.splits.append(.init(name: names[i].isEmpty ? "all" : names[i],
                                            directory: names[i].isEmpty ? output : output + "/" + names[i],
                                            records: counts[i].records, tokens: counts[i].tokens))
            }
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        } catch {
            for w in writers { w.abandon() }
            throw error
        }
    }

    /// Tokenizes one row; nil when the row is skipped (and counted).
    private func encode(_ row: DatasetRow, tokenizer: any Tokenizer, source: String, responseEnd: TokenID?,
                        summary: inout ShardJobSummary) throws -> TokenRecord? {
        func skip(_ reason: String, _ error: InputError) throws -> TokenRecord? {
            guard skipBad else { throw error }
            summary.skipped[reason, default: 0] += 1
            return nil
        }
        let object: DatasetRecord
        switch row.object {
        case .success(let o): object = o
        case .failure(var error):
            error.hint = error.hint ?? "fix the record, or pass --skip-bad to count and skip such records"
            let reason = error.expected == JSONParser.duplicateKeyExpectation ? "a key given twice"
                : error.expected == JSONParser.numberRangeExpectation ? "a number out of range" : "bad JSON or UTF-8"
            return try skip(reason, error)
        }
        let problem: MathProblem
        do {
            problem = try fields.problem(from: object, file: input, place: row.place, row: row.index, source: source)
        } catch var error as InputError {
            error.hint = error.hint ?? "fix the record, or pass --skip-bad to count and skip such records"
            return try skip("missing or malformed field", error)
        }
        if problem.repairedEscapes { summary.repairedEscapes += 1 }
        if problem.promptIDs == nil, (problem.prompt ?? "").allSatisfy(\.isWhitespace) {
            return try skip("empty prompt", InputError(file: input, place: row.place, expected: "a problem with text",
                                                       found: "an empty prompt", hint: "remove the record, or pass --skip-bad to count and skip such records"))
        }
        let text = problem.promptIDs == nil ? try template.render(problem: problem.prompt ?? "") : ""
        let prompt = problem.promptIDs ?? tokenizer.encode(text)
        var unknown = problem.promptIDs == nil ? tokenizer.unknownCharacters(in: text) : 0
        defer { summary.noteUnknown(unknown) }
        guard !prompt.isEmpty else {
            return try skip("empty prompt", InputError(file: input, place: row.place, expected: "a prompt of at least one token",
                                                       found: "no tokens", hint: "remove the record, or pass --skip-bad to count and skip such records"))
        }
        if let bad = prompt.first(where: { $0 < 0 || Int($0) >= tokenizer.vocabularySize }) {
            return try skip("token id out of range", InputError(file: input, place: row.place,
                            expected: "token ids below the vocabulary size \(tokenizer.vocabularySize)", found: "\(bad)"))
        }
        if let maxPromptTokens, prompt.count > maxPromptTokens {
            let error = InputError(file: input, place: row.place, expected: "a prompt of at most \(maxPromptTokens) tokens",
                                   found: "\(prompt.count) tokens", hint: "raise --max-prompt-tokens or use --overlong skip")
            if overlong == .error { throw error }
            summary.skipped["prompt over \(maxPromptTokens) tokens", default: 0] += 1
            return nil
        }
        summary.promptLengths.append(prompt.count)
        var tokens = prompt
        var mask: [UInt8]?
        if let response = problem.response {
            var responseTokens = tokenizer.encode(response)
            unknown += tokenizer.unknownCharacters(in: response)
            if let end = responseEnd { responseTokens.append(end) }
            tokens += responseTokens
            mask = Array(repeating: 0, count: prompt.count) + Array(repeating: 1, count: responseTokens.count)
        }
        var metadata = problem.metadata
        metadata["prompt_tokens"] = .number(Double(prompt.count), String(prompt.count))
        return TokenRecord(tokens: tokens, lossMask: mask, metadata: try RecordMetadata.bytes(metadata))
    }

    /// The token that ends a response (the chat template's end of turn, else EOS), the manifest entries and
    /// report lines that say which chat template made the prompts.
    private func chatSettings(tokenizer: any Tokenizer) throws -> (TokenID?, [String: String], [String]) {
        guard case .chat(let chat) = template else { return (tokenizer.eosTokenID, [:], []) }
        let endOfTurn = try chat.template.endOfTurnTokenIDs(tokenizer: tokenizer).first
        let end = endOfTurn ?? tokenizer.eosTokenID
        var info = ["chat_template": chat.template.file, "chat_template_xxh64": chat.template.hash,
                    "add_generation_prompt": String(chat.addGenerationPrompt)]
        if let system = chat.systemPrompt { info["system_prompt"] = system }
        if !chat.variables.isEmpty {
            info["chat_variables"] = chat.variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        var notes = ["chat template: \(chat.template.file) (xxh64 \(chat.template.hash))"]
        let endName = end.flatMap { tokenizer.token(for: $0) } ?? "nothing"
        notes.append("end of turn: " + (endOfTurn.flatMap { tokenizer.token(for: $0) } ?? "none found")
                     + (fields.responseField != nil ? "; responses end with \(endName)" : ""))
        return (end, info, notes)
    }

    /// For each row, the index of its split in ["train"] + splits; empty when there are no splits.
    private func splitAssignment(count: Int) throws -> [UInt8] {
        guard !splits.isEmpty else { return [] }
        var order = Array(0..<count)
        var rng = SplitMix64(seed: seed)
        rng.shuffle(&order)
        var assignment = [UInt8](repeating: 0, count: count)
        var next = 0
        for (i, split) in splits.enumerated() {
            let take = Int((split.fraction * Double(count)).rounded())
            for row in order[next..<min(count, next + take)] { assignment[row] = UInt8(i + 1) }
            next = min(count, next + take)
        }
        return assignment
    }

    /// `…/gsm8k/test.jsonl` → `gsm8k/test`.
    static func defaultSource(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        let folder = url.deletingLastPathComponent().lastPathComponent
        return folder.isEmpty || folder == "/" || folder == "." ? stem : "\(folder)/\(stem)"
    }
}

extension ShardJobSummary {
    /// Counts characters the tokenizer had no token for.
    mutating func noteUnknown(_ count: Int) {
        guard count > 0 else { return }
        unknownCharacters += count
        recordsWithUnknown += 1
    }

    /// `3 (empty prompt), 1 (bad JSON or UTF-8)`.
    var skippedText: String {
        skipped.sorted { $0.key < $1.key }.map { "\($0.value) (\($0.key))" }.joined(separator: ", ")
    }

    /// The end-of-job report: records, tokens, prompt length percentiles, skips, compression, time.
    public func report() -> String {
        var lines: [String] = []
        let kept = splits.reduce(0) { $0 + $1.records }
        let tokens = splits.reduce(0) { $0 + $1.tokens }
        lines.append("records: \(recordsRead) read, \(kept) written, \(recordsRead - kept) skipped")
        for s in splits { lines.append("  \(s.name): \(s.records) records, \(s.tokens) tokens → \(s.directory)") }
        lines.append("tokens: \(tokens)")
        if !promptLengths.isEmpty {
            let sorted = promptLengths.sorted()
            func pct(_ p: Double) -> Int { sorted[min(sorted.count - 1, Int((p / 100 * Double(sorted.count - 1)).rounded()))] }
            let mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
            lines.append(String(format: "prompt tokens: min %d  p50 %d  p90 %d  p99 %d  max %d  mean %.1f",
                                sorted[0], pct(50), pct(90), pct(99), sorted[sorted.count - 1], mean))
        }
        for (reason, count) in skipped.sorted(by: { $0.key < $1.key }) { lines.append("skipped: \(count) (\(reason))") }
        lines.append(contentsOf: notes)
        if repairedEscapes > 0 { lines.append("repaired LaTeX escapes in \(repairedEscapes) prompts") }
        if unknownCharacters > 0 {
            lines.append("warning: \(unknownCharacters) characters in \(recordsWithUnknown) records are not in the tokenizer's vocabulary "
                         + "(written as its unknown token, or dropped when it has none)")
        }
        if compressedBytes > 0 {
            lines.append(String(format: "bytes: %d uncompressed, %d compressed (ratio %.2f)", uncompressedBytes,
                                compressedBytes, Double(uncompressedBytes) / Double(compressedBytes)))
        }
        lines.append(String(format: "time: %.2fs", seconds))
        return lines.joined(separator: "\n")
    }
}
