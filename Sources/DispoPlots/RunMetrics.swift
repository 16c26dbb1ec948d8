// The numbers of one run directory, as the plots read them: `metrics.jsonl` (one JSON object per learner
// step, key `step`) and the held-out evaluations `eval-before.json` (at step 0), `eval-step-N.json` (at N)
// and `eval-after.json` (at the last step). Values other than numbers (null stands for a non-finite number) are
// skipped; a line that is not a JSON object, or has no numeric `step`, is an error naming the line.

import DispoSupport
import Foundation

public struct RunMetrics: Sendable {
    /// The legend name: the run directory's name.
    public var name: String
    public var directory: String
    /// One entry per learner step, each holding `step`.
    public var rows: [[String: Double]]
    /// Held-out evaluation metrics (`eval/mean@k`, `eval/greedy`, …) by step.
    public var evals: [Int: [String: Double]]

    public init(name: String, directory: String, rows: [[String: Double]], evals: [Int: [String: Double]]) {
        self.name = name
        self.directory = directory
        self.rows = rows
        self.evals = evals
    }

    /// The last learner step in the log (0 when the log is empty).
    public var lastStep: Int { Int(rows.compactMap { $0["step"] }.max() ?? 0) }

    /// (step, value) of a per-step metric, for the steps that logged it.
    public func series(_ metric: String) -> [ChartPoint] {
        rows.compactMap { row in row[metric].flatMap { v in row["step"].map { ChartPoint(x: $0, y: v) } } }
    }

    /// (step, value) of an evaluation metric.
    public func evalSeries(_ metric: String) -> [ChartPoint] {
        evals.keys.sorted().compactMap { step in evals[step]?[metric].map { ChartPoint(x: Double(step), y: $0) } }
    }

    /// Reads a run directory. `name` defaults to the directory's last path component.
    public static func load(_ directory: String, name: String? = nil) throws -> RunMetrics {
        let path = directory + "/metrics.jsonl"
        guard FileSystem.kind(path) != .missing else {
            throw InputError(file: path, expected: "a metrics log (one JSON object per learner step)", found: "no such file",
                             hint: "give a run directory written by `dispo run`")
        }
        let data = try FileSystem.readData(path, "a metrics log (one JSON object per learner step)")
        let rows = try parseLog(data, file: path)
        var run = RunMetrics(name: name ?? URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent,
                             directory: directory, rows: rows, evals: [:])
        // Evaluations logged in the step lines, then the eval files (which also hold before and after).
        for row in rows {
            let values = row.filter { $0.key.hasPrefix("eval/") }
            if !values.isEmpty, let step = row["step"] { run.evals[Int(step), default: [:]].merge(values) { $1 } }
        }
        for (step, values) in try readEvalFiles(directory, lastStep: run.lastStep) {
            run.evals[step, default: [:]].merge(values) { $1 }
        }
        return run
    }

    /// Parses a metrics log: blank lines are skipped, line numbers are 1-based.
    static func parseLog(_ data: Data, file: String) throws -> [[String: Double]] {
        var rows: [[String: Double]] = []
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            let place = "line \(i + 1)"
            let text = String(decoding: line, as: UTF8.self)
            guard let object = JSONValue.parse(bytes: line), object.members != nil else {
                throw InputError(file: file, place: place, expected: "a JSON object of metric values", found: InputError.excerpt(text))
            }
            let row = object.numbers
            guard let step = row["step"], step == step.rounded(), (0...1e9).contains(step) else {
                throw InputError(file: file, place: place, expected: "a numeric \"step\" (a whole number in [0, 1000000000])",
                                 found: InputError.excerpt(text))
            }
            rows.append(row)
        }
        return rows
    }

    /// `eval-before.json` → step 0, `eval-step-N.json` → N, `eval-after.json` → `lastStep`; other names ignored.
    static func readEvalFiles(_ directory: String, lastStep: Int) throws -> [(Int, [String: Double])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var result: [(Int, [String: Double])] = []
        for name in names.sorted() where name.hasPrefix("eval-") && name.hasSuffix(".json") {
            let label = String(name.dropFirst(5).dropLast(5))
            let step: Int
            switch label {
            case "before": step = 0
            case "after": step = lastStep
            default:
                guard label.hasPrefix("step-"), let n = Int(label.dropFirst(5)), n >= 0 else { continue }
                step = n
            }
            let path = directory + "/" + name
            guard let bytes = try? FileSystem.read(path), let object = JSONValue.parse(bytes: bytes), object.members != nil else {
                throw InputError(file: path, expected: "a JSON object of evaluation metrics",
                                 hint: "written by the run's evaluator; delete it if it is damaged")
            }
            result.append((step, object.numbers))
        }
        return result
    }
}
