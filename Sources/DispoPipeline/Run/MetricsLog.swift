// metrics.jsonl: one JSON object per learner step, appended and flushed as steps finish. On resume the
// file is cut back to the lines of the steps the checkpoint holds, so a resumed run's log has each step
// exactly once; a file holding fewer lines than the checkpoint needs (cut or edited since) is an error,
// not a log that silently starts in the middle.

import DispoLearner
import DispoLosses
import DispoSupport
import Foundation

public final class MetricsLog {
    public let path: String
    public private(set) var lines: Int
    public private(set) var last: [String: Double] = [:]
    /// nil: a data-parallel rank other than 0, which counts lines but writes nothing.
    private let handle: FileHandle?

    /// A log that keeps count of the steps but writes no file (data-parallel ranks other than 0).
    public init(countingFrom lines: Int) {
        path = ""
        self.lines = lines
        handle = nil
    }

    public init(path: String, keepLines: Int) throws {
        self.path = path
        let text = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : ""
        let kept = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(keepLines)
        guard kept.count == keepLines else {
            throw InputError(file: path, expected: "at least \(keepLines) lines (one per step the checkpoint holds)",
                             found: "\(kept.count) lines", hint: "metrics.jsonl was cut or edited; restore it, or start the run again")
        }
        for (i, line) in kept.enumerated() {
            let values = try StrictJSONDecoder().decode([String: Double?].self, from: JSONParser.parse(String(line), file: path, firstLine: i + 1), file: path)
            guard values["step"] == Double(i + 1) else {
                throw InputError(file: path, place: "line \(i + 1)", expected: "\"step\": \(i + 1)", found: values["step"].map { "\($0.map { "\($0)" } ?? "null")" } ?? "no step",
                                 hint: "metrics.jsonl was edited; restore it, or start the run again")
            }
            if i + 1 == kept.count { last = values.compactMapValues { $0 } }
        }
        try AtomicFile.write(kept.map { $0 + "\n" }.joined(), to: path)
        lines = kept.count
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw SystemError(file: path, operation: "open for appending", code: errno)
        }
        self.handle = handle
        handle.seekToEndOfFile()
    }

    deinit { try? handle?.close() }

    public func append(step: Int, _ values: [String: Double]) throws {
        var values = values
        values["step"] = Double(step)
        if let handle {
            try handle.write(contentsOf: Data((JSONWriter.metricsLine(values) + "\n").utf8))
            try handle.synchronize()
        }
        lines += 1
        last = values
    }
}

enum StepMetrics {
    /// Rollout metrics of a step batch (docs/ALGORITHMS.md §6 names).
    static func rollout(_ batch: StepBatch) -> [String: Double] {
        let responses = batch.groups.flatMap(\.responses)
        let n = Double(max(1, responses.count))
        let lengths = responses.map { Double($0.tokens.count) }
        let correct = responses.filter { $0.score.verdict.correct }
        let incorrect = responses.filter { !$0.score.verdict.correct }
        let staleness = batch.groups.map { Double(batch.step - $0.version) }
        // A group teaches something only if its rewards differ (otherwise every advantage in it is 0).
        let informative = batch.groups.filter { g in g.responses.contains { $0.score.reward != g.responses[0].score.reward } }
        let groupSize = batch.groups.first?.responses.count ?? 0
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        var components: [String: [Double]] = [:]
        for r in responses { for (name, value) in r.components { components[name, default: []].append(value) } }
        let componentMeans = Dictionary(uniqueKeysWithValues: components.map { ("reward/\($0.key)/mean", mean($0.value)) })
        var study: [String: Double] = [:]
        study["train/informative_group_share"] = Double(informative.count) / Double(max(1, batch.groups.count))
        study["train/samples_generated"] = Double(batch.groupsSampled * groupSize)
        return componentMeans.merging(study) { $1 }.merging([
            "acc/mean": Double(correct.count) / n,
            "response_length/mean": mean(lengths),
            "response_length/max": lengths.max() ?? 0,
            "response_length/min": lengths.min() ?? 0,
            "response_length/clip_ratio": Double(responses.filter { !$0.stopped }.count) / n,
            "response_length/correct_mean": mean(correct.map { Double($0.tokens.count) }),
            "response_length/incorrect_mean": mean(incorrect.map { Double($0.tokens.count) }),
            "response/repetition_rate": Double(responses.filter { $0.score.repetition.isRepetitive }.count) / n,
            "response/no_answer_rate": Double(responses.filter { $0.score.verdict.isFormatFailure }.count) / n,
            "response/masked_rate": Double(responses.filter { $0.score.maskedFromLoss }.count) / n,
            "train/rollouts": Double(responses.count),
            "train/groups": Double(batch.groups.count),
            "train/num_gen_batches": Double(batch.generationBatches),
            "train/groups_sampled": Double(batch.groupsSampled),
            "train/groups_kept": Double(batch.groupsKept),
            "train/staleness/mean": mean(staleness),
            "train/staleness/max": staleness.max() ?? 0,
            "train/policy_version": Double(batch.version),
            "timing_s/sample": batch.sampleSeconds,
            "timing_s/verify": batch.verifySeconds,
            "perf/samples_per_s": n / max(batch.sampleSeconds, 1e-9),
        ]) { $1 }
    }

    /// The progress line of a step. `clip+ a/b  clip- c/d` are the regime clip shares (R1/R2, R3/R4) of
    /// DISPO and CISPO — "never" for a regime whose ε makes clipping impossible — or PPO-clip's clip fraction
    /// by sign of A; REINFORCE has none.
    static func line(step: Int, of total: Int, _ v: [String: Double]) -> String {
        String(format: "step %d/%d  acc %.3f  reward %.3f  len %.1f  entropy %.3f  ", step, total, v["acc/mean"] ?? 0,
               v["critic/score/mean"] ?? 0, v["response_length/mean"] ?? 0, v["actor/entropy"] ?? 0)
            + clipColumns(v)
            + String(format: "sample %.1fs  learn %.1fs  %.0f tok/s", v["timing_s/sample"] ?? 0, v["timing_s/learn"] ?? 0,
                     v["perf/trained_tokens_per_s"] ?? 0)
    }

    static func clipColumns(_ v: [String: Double]) -> String {
        if v["dispo/clip_share_pos_high"] != nil {
            func share(_ regime: ClipRegime) -> String {
                if let eps = v["dispo/" + regime.epsilonName], !regime.canClip(epsilon: Float(eps)) { return "never" }
                return String(format: "%.3f", v["dispo/clip_share_" + regime.key] ?? 0)
            }
            return "clip+ \(share(.posHigh))/\(share(.posLow))  clip- \(share(.negHigh))/\(share(.negLow))  "
        }
        if let pos = v["actor/pg_clipfrac_pos"], let neg = v["actor/pg_clipfrac_neg"] {
            return String(format: "clip+ %.3f  clip- %.3f  ", pos, neg)
        }
        return ""
    }
}
