// The aggregate of a sweep's finished runs: DIR/aggregate.json, DIR/aggregate.md and DIR/plots/.
//
// Per run (docs/STUDY.md lists them): accuracy before/after (mean@k), greedy, the change; entropy, response
// length, truncation and repetition over the last `finalWindow` steps (entropy also its change from the first
// steps); the regime metrics as means over all steps; wall time, samples generated (Σ train/samples_generated)
// and whether it collapsed. Per arm each becomes a Statistic across its seeds; every arm is compared with the
// reference arm on the final evaluation's per-problem results (SweepStatistics).

import DispoPipeline
import DispoPlots
import DispoSupport
import Foundation

public struct ArmAggregate: Codable, Sendable {
    public var file: String
    public var seeds: [UInt64]
    /// Runs with summary.json, and of those the ones that collapsed.
    public var finished: Int
    public var collapsed: Int
    public var statistics: [String: Statistic]
}

public struct SweepAggregate: Codable, Sendable {
    public var arms: [String: ArmAggregate]
    /// Arms in the order the pipelines were given.
    public var armOrder: [String]
    public var reference: String?
    /// Each other arm against the reference.
    public var comparisons: [String: PairedComparison]
    public var statisticsMethod: String
    public var comparisonMethod: String

    enum CodingKeys: String, CodingKey {
        case arms, armOrder = "arm_order", reference, comparisons, statisticsMethod = "statistics_method"
        case comparisonMethod = "comparison_method"
    }

    public static let finalWindow = 10

    /// The per-run values the table and aggregate.json report, by statistic name.
    static func runValues(summary: RunSummary, rows: [[String: Double]]) -> [String: Double] {
        var v: [String: Double] = ["wall_seconds": summary.wallSeconds, "steps": Double(summary.steps),
                                   "collapsed": summary.collapse == nil ? 0 : 1]
        v["accuracy_before"] = summary.accuracyBefore
        v["accuracy_after"] = summary.accuracyAfter
        v["greedy_before"] = summary.greedyBefore
        v["greedy_after"] = summary.greedyAfter
        if let a = summary.accuracyAfter, let b = summary.accuracyBefore { v["accuracy_change"] = a - b }
        func mean(_ key: String, _ part: ArraySlice<[String: Double]>) -> Double? {
            let xs = part.compactMap { $0[key] }.filter(\.isFinite)
            return xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
        }
        let last = rows.suffix(finalWindow), first = rows.prefix(finalWindow), all = rows[...]
        for (name, key) in [("entropy_final", "actor/entropy"), ("response_length_final", "response_length/mean"),
                            ("truncation_final", "response_length/clip_ratio"), ("repetition_final", "response/repetition_rate")] {
            v[name] = mean(key, last)
        }
        if let end = mean("actor/entropy", last), let start = mean("actor/entropy", first) { v["entropy_change"] = end - start }
        for key in ["dispo/clip_share_pos_high", "dispo/clip_share_pos_low", "dispo/clip_share_neg_high", "dispo/clip_share_neg_low",
                    "actor/pg_clipfrac_pos", "actor/pg_clipfrac_neg", "dispo/abs_log_ratio_mean", "dispo/weight_gap_mean",
                    "dispo/zero_adv_share", "dispo/ratio_pos_p01", "dispo/ratio_pos_p99", "dispo/ratio_neg_p01", "dispo/ratio_neg_p99",
                    "actor/ppo_kl"] {
            v[String(key.split(separator: "/").last!)] = mean(key, all)
        }
        let samples = rows.compactMap { $0["train/samples_generated"] }
        if !samples.isEmpty { v["samples_generated"] = samples.reduce(0, +) }
        return v
    }

    /// Reads every finished run of `plans`, writes aggregate.json, aggregate.md and plots/ into `directory`.
    public static func build(plans: [SweepRunPlan], directory: String, reference: String?) throws -> SweepAggregate {
        var order: [String] = []
        for p in plans where !order.contains(p.arm) { order.append(p.arm) }
        var arms: [String: ArmAggregate] = [:]
        var problemScores: [String: [UInt64: [Int: Double]]] = [:]
        var accuracyAfter: [String: [UInt64: Double]] = [:]
        var finishedDirectories: [String] = []
        for arm in order {
            let runs = plans.filter { $0.arm == arm }
            var perRun: [[String: Double]] = []
            var collapsed = 0
            for run in runs {
                let summaryPath = run.directory + "/summary.json"
                guard FileManager.default.fileExists(atPath: summaryPath) else { continue }
                let summary = try StrictJSONDecoder().decode(RunSummary.self, fromFile: summaryPath)
                let rows = try RunMetrics.load(run.directory).rows
                perRun.append(runValues(summary: summary, rows: rows))
                if summary.collapse != nil { collapsed += 1 }
                finishedDirectories.append(run.directory)
                accuracyAfter[arm, default: [:]][run.seed] = summary.accuracyAfter
                let evalPath = run.directory + "/eval-after.jsonl"
                if FileManager.default.fileExists(atPath: evalPath) {
                    let lines = try EvalProblemLine.read(evalPath)
                    problemScores[arm, default: [:]][run.seed] = Dictionary(lines.map {
                        ($0.index, Double($0.correct) / Double(max(1, $0.samples.count)))
                    }, uniquingKeysWith: { a, _ in a })
                }
            }
            let names = Set(perRun.flatMap(\.keys))
            arms[arm] = ArmAggregate(file: runs[0].file, seeds: runs.map(\.seed), finished: perRun.count, collapsed: collapsed,
                                     statistics: Dictionary(uniqueKeysWithValues: names.map { n in (n, Statistic(perRun.compactMap { $0[n] })) }))
        }
        let ref = reference ?? (order.contains("dispo") ? "dispo" : order.first)
        if let ref, !order.contains(ref) {
            throw InputError(file: "command line", place: "--reference", expected: "one of the arms: \(order.joined(separator: ", "))",
                             found: ref)
        }
        var comparisons: [String: PairedComparison] = [:]
        if let ref, let refScores = problemScores[ref] {
            for arm in order where arm != ref {
                guard let scores = problemScores[arm] else { continue }
                let seeds = Set(scores.keys).intersection(refScores.keys).sorted()
                let perSeed = seeds.compactMap { s in accuracyAfter[arm]?[s].flatMap { a in accuracyAfter[ref]?[s].map { a - $0 } } }
                comparisons[arm] = SweepStatistics.compare(SweepStatistics.pooled(Array(scores.values)),
                                                           SweepStatistics.pooled(Array(refScores.values)), perSeed: perSeed)
            }
        }
        let aggregate = SweepAggregate(arms: arms, armOrder: order, reference: ref, comparisons: comparisons,
                                       statisticsMethod: "per arm: mean, standard error of the mean (sample std / sqrt(n)) and n "
                                           + "across its finished seeds; *_final = mean over the last \(finalWindow) steps, regime "
                                           + "metrics = mean over all steps",
                                       comparisonMethod: "each arm vs the reference on eval-after.jsonl: per problem the share "
                                           + "of correct samples averaged over seeds; paired bootstrap over problems "
                                           + "(\(SweepStatistics.bootstrapResamples) resamples, seed 1) and exact two-sided sign "
                                           + "test; per_seed_delta pairs seed k of both arms")
        try AtomicFile.write(Array(try JSONWriter.data(aggregate, pretty: true)), to: directory + "/aggregate.json")
        try AtomicFile.write(SweepTable.markdown(aggregate), to: directory + "/aggregate.md")
        if !finishedDirectories.isEmpty {
            _ = try RunPlots.write(runDirectories: finishedDirectories, to: directory + "/plots", bands: true)
        }
        return aggregate
    }
}
