// `dispo bench tokenizer`: encodes every line of a corpus with the Swift tokenizer on one thread, then runs the
// Python baseline (Tools/bench_tokenizer.py, Hugging Face `tokenizers` in Rust, one thread) on the same corpus
// and tokenizer in the same run, checks both produce the same ids, and prints throughput and the ratio.
// Times are the best of `repeat` passes (the first pass also fills each side's word cache).

import DispoSupport
import DispoTokenizers
import Foundation

public struct TokenizerBenchOptions: Sendable {
    public var tokenizer: String
    /// Corpus file (one text per line); nil builds the default math corpus from `sharedData`.
    public var corpus: String?
    public var sharedData: String
    public var python: String
    public var repeatCount: Int
    /// Tools/bench_tokenizer.py.
    public var script: String

    public init(tokenizer: String, corpus: String?, sharedData: String, python: String, repeatCount: Int, script: String) {
        self.tokenizer = tokenizer
        self.corpus = corpus
        self.sharedData = sharedData
        self.python = python
        self.repeatCount = repeatCount
        self.script = script
    }
}

public enum TokenizerBench {
    /// Text fields of the math datasets that make the default corpus, in this order.
    public static let defaultSources: [(file: String, fields: [String])] = [
        ("math/gsm8k/train.jsonl", ["question", "answer"]),
        ("math/math_train/math.json", ["problem"]),
        ("math/math500/test.jsonl", ["problem", "solution"]),
    ]

    /// Writes the default corpus — the texts of `defaultSources`, each text's lines as corpus lines — to a
    /// temporary file and returns its path.
    public static func writeDefaultCorpus(sharedData: String) throws -> String {
        var out = ""
        for (file, fields) in defaultSources {
            let path = sharedData + "/" + file
            var rows: [JSONValue] = []
            if file.hasSuffix(".jsonl") {
                let data = try FileSystem.read(path, "a JSONL file")
                for (index, line) in data.split(separator: UInt8(ascii: "\n")).enumerated() {
                    guard let row = JSONValue.parse(bytes: line), row.members != nil else {
                        throw InputError(file: path, place: "line \(index + 1)", expected: "a JSON object")
                    }
                    rows.append(row)
                }
            } else {
                guard let array = try JSONParser.parse(contentsOf: path).value.elements, array.allSatisfy({ $0.members != nil }) else {
                    throw InputError(file: path, expected: "a JSON array of objects")
                }
                rows = array
            }
            for row in rows {
                for field in fields {
                    if let text = row[field]?.string { out += text + "\n" }
                }
            }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-tokenizer-bench-corpus.txt").path
        try AtomicFile.write(out, to: path)
        return path
    }

    /// Tools/bench_tokenizer.py of the working directory, else of the source tree this was built from.
    public static func defaultScript() -> String { ChildProcess.toolScript("bench_tokenizer.py") }

    /// The corpus lines: the file split on "\n", without the empty line after a final newline.
    static func lines(of path: String) throws -> [String] {
        // Split bytes like Python's str.split("\n") (a "\r" stays in its line; "\r\n" is one Swift Character).
        var lines = try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Runs the benchmark, printing as it goes; returns the Swift/Python per-line throughput ratio when measured.
    @discardableResult
    public static func run(_ options: TokenizerBenchOptions, print emit: (String) -> Void = { print($0) }) throws -> Double? {
        let loadStart = Date()
        let tokenizer = try TokenizerLoader.load(options.tokenizer)
        let loadSeconds = Date().timeIntervalSince(loadStart)
        let id = tokenizer.identity
        emit("tokenizer: \(options.tokenizer) (\(id.name), \(id.kind), vocabulary \(id.vocabularySize), xxh64 \(id.hash)); "
            + String(format: "loaded in %.2f s", loadSeconds))

        let corpus = try options.corpus ?? writeDefaultCorpus(sharedData: options.sharedData)
        let lines = try lines(of: corpus)
        let bytes = lines.reduce(0) { $0 + $1.utf8.count }
        emit("corpus: \(corpus) (\(options.corpus == nil ? "default math corpus, " : "")\(lines.count) lines, "
            + String(format: "%.2f MB)", Double(bytes) / 1e6))

        var best = Double.infinity
        var ids: [[TokenID]] = []
        for _ in 0..<max(1, options.repeatCount) {
            let start = Date()
            let pass = lines.map { tokenizer.encode($0) }
            best = min(best, Date().timeIntervalSince(start))
            ids = pass
        }
        let tokens = ids.reduce(0) { $0 + $1.count }
        emit(line("swift DispoTokenizers, 1 thread, per-line encode", seconds: best, bytes: bytes, tokens: tokens,
                  repeatCount: options.repeatCount))

        guard id.kind == "byte-level-bpe" else {
            emit("python baseline: skipped (tokenizers has no equivalent of the \(id.kind) tokenizer)")
            emit("ratio vs tokenizers (Rust): n/a")
            return nil
        }
        guard let python = runPython(options, corpus: corpus, emit: emit) else {
            emit("ratio vs tokenizers (Rust): n/a (baseline not run)")
            return nil
        }
        emit(line("python tokenizers \(python.version) (Rust), 1 thread, per-line encode", seconds: python.encodeSeconds,
                  bytes: bytes, tokens: python.tokens, repeatCount: options.repeatCount))
        emit(line("python tokenizers \(python.version) (Rust), 1 thread, encode_batch", seconds: python.batchSeconds,
                  bytes: bytes, tokens: python.tokens, repeatCount: options.repeatCount))
        var mismatches = 0
        for (index, row) in ids.enumerated() where index >= python.ids.count || python.ids[index] != row { mismatches += 1 }
        if python.ids.count != ids.count { mismatches += abs(python.ids.count - ids.count) }
        emit("ids: \(mismatches) of \(lines.count) lines differ from tokenizers")
        let ratio = python.encodeSeconds / best
        emit(String(format: "ratio vs tokenizers (Rust): %.2f", ratio))
        return ratio
    }

    private static func line(_ label: String, seconds: Double, bytes: Int, tokens: Int, repeatCount: Int) -> String {
        String(format: "%@: best of %d %.3f s, %.2f MB/s, %.0f tokens/s (%d tokens)", label, max(1, repeatCount), seconds,
               Double(bytes) / 1e6 / seconds, Double(tokens) / seconds, tokens)
    }

    private struct PythonResult {
        var version: String
        var encodeSeconds: Double
        var batchSeconds: Double
        var tokens: Int
        var ids: [[TokenID]]
    }

    private static func runPython(_ options: TokenizerBenchOptions, corpus: String, emit: (String) -> Void) -> PythonResult? {
        let idsPath = FileManager.default.temporaryDirectory.appendingPathComponent("dispo-tokenizer-bench-ids-\(ProcessInfo.processInfo.processIdentifier).txt").path
        defer { try? FileManager.default.removeItem(atPath: idsPath) }
        let arguments = [options.python, options.script, "--tokenizer", options.tokenizer, "--corpus", corpus,
                         "--repeat", String(max(1, options.repeatCount)), "--ids-out", idsPath]
        let result: ChildResult
        do {
            result = try ChildProcess.run(arguments, environment: ["RAYON_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"])
        } catch {
            emit("python baseline: could not start \(options.python) (\(error)); pass --python PATH")
            return nil
        }
        let errText = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        guard result.status == 0 else {
            if result.status == 3 {
                emit("python baseline: skipped. \(errText)")
            } else {
                emit("python baseline: \(options.python) \(options.script) failed (exit \(result.status)): \(errText)")
                if errText.contains("No module named") || result.status == 127 {
                    emit("install the baseline with: python3 -m venv .venv && .venv/bin/pip install tokenizers; then --python .venv/bin/python")
                }
            }
            return nil
        }
        let lastLine = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
        guard let json = try? JSONValue.parse(lastLine), let encode = json["encode_seconds"]?.double,
              let batch = json["batch_seconds"]?.double, let tokens = json["tokens"]?.int else {
            emit("python baseline: unreadable output: \(InputError.excerpt(lastLine))")
            return nil
        }
        let idText = (try? String(contentsOfFile: idsPath, encoding: .utf8)) ?? ""
        var rows = idText.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        let ids = rows.map { $0.split(separator: " ").compactMap { TokenID($0) } }
        return PythonResult(version: json["tokenizers_version"]?.string ?? "?", encodeSeconds: encode,
                            batchSeconds: batch, tokens: tokens, ids: ids)
    }
}
