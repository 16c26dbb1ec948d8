// `dispo plot`: the charts of one or more run directories, overlaid (one colour per run, the legend names
// each run by its directory), or with `bands` one line per arm of a sweep (runs grouped by their parent
// directory, mean ± standard error across them as a shaded band). Accuracy (train acc/mean per step with the
// held-out evaluations as points), reward, entropy, response length, truncation, repetition rate, the four
// DISPO regimes' clip fractions and clip shares (a panel notes when a run's ε makes its regime unable to clip),
// the clip bounds, importance ratios, PPO-clip's clip fractions, throughput, gradient norm and policy loss;
// a chart whose metrics no run logged is not written. An index.html shows them all on one page.

import DispoLosses
import DispoSupport
import Foundation

/// One metric drawn in one panel.
public struct PlotMetric: Sendable {
    public var key: String
    public var title: String
    public var yLabel: String
    /// The DISPO regime the metric belongs to: its panel notes runs whose ε make the regime unable to clip.
    public var regime: ClipRegime?

    public init(key: String, title: String, yLabel: String, regime: ClipRegime? = nil) {
        self.key = key
        self.title = title
        self.yLabel = yLabel
        self.regime = regime
    }
}

/// A chart of per-step metrics: one panel per metric.
public struct PlotSpec: Sendable {
    public var file: String
    public var title: String
    public var metrics: [PlotMetric]
    public var yIncludes: [Double]
    public var columns: Int
}

public enum RunPlots {
    /// The per-step charts after the accuracy chart.
    public static let specs: [PlotSpec] = [
        PlotSpec(file: "reward.svg", title: "Reward", metrics: [
            PlotMetric(key: "critic/score/mean", title: "mean reward per step (critic/score/mean)", yLabel: "reward")],
                 yIncludes: [], columns: 1),
        PlotSpec(file: "entropy.svg", title: "Policy entropy", metrics: [
            PlotMetric(key: "actor/entropy", title: "mean token entropy (actor/entropy)", yLabel: "nats")],
                 yIncludes: [], columns: 1),
        PlotSpec(file: "response_length.svg", title: "Response length", metrics: [
            PlotMetric(key: "response_length/mean", title: "mean response length (response_length/mean)", yLabel: "tokens")],
                 yIncludes: [0], columns: 1),
        PlotSpec(file: "truncation.svg", title: "Truncation", metrics: [
            PlotMetric(key: "response_length/clip_ratio", title: "responses cut at max_new_tokens (response_length/clip_ratio)",
                       yLabel: "fraction")], yIncludes: [0], columns: 1),
        PlotSpec(file: "repetition.svg", title: "Repetition rate", metrics: [
            PlotMetric(key: "response/repetition_rate", title: "repetitive responses (response/repetition_rate)",
                       yLabel: "fraction")], yIncludes: [0], columns: 1),
        PlotSpec(file: "clip_fractions.svg", title: "DISPO regime clip fractions", metrics: [
            PlotMetric(key: "dispo/clipfrac_pos_high", title: "R1: A>0, r>1+ε⁺high (pos_high)", yLabel: "fraction of tokens",
                       regime: .posHigh),
            PlotMetric(key: "dispo/clipfrac_pos_low", title: "R2: A>0, r<1−ε⁺low (pos_low)", yLabel: "fraction of tokens",
                       regime: .posLow),
            PlotMetric(key: "dispo/clipfrac_neg_high", title: "R3: A<0, r>1+ε⁻high (neg_high)", yLabel: "fraction of tokens",
                       regime: .negHigh),
            PlotMetric(key: "dispo/clipfrac_neg_low", title: "R4: A<0, r<1−ε⁻low (neg_low)", yLabel: "fraction of tokens",
                       regime: .negLow),
        ], yIncludes: [0], columns: 2),
        PlotSpec(file: "clip_shares.svg", title: "Clip share of each regime's own tokens", metrics: ClipRegime.allCases.map {
            PlotMetric(key: "dispo/clip_share_" + $0.key, title: "\($0.label): share of \($0.positive ? "A>0" : "A<0"), "
                       + "r\($0.highSide ? ">" : "<")1 tokens clipped", yLabel: "share", regime: $0)
        }, yIncludes: [0], columns: 2),
        PlotSpec(file: "clip_bounds.svg", title: "Clip bounds ε per regime", metrics: ClipRegime.allCases.map {
            PlotMetric(key: "dispo/" + $0.epsilonName, title: "\($0.label): \($0.epsilonName)", yLabel: "ε", regime: $0)
        }, yIncludes: [0], columns: 2),
        PlotSpec(file: "ratios.svg", title: "Importance ratios r = π/π_old", metrics: [
            PlotMetric(key: "dispo/ratio_pos_p01", title: "A>0: 1st percentile of r", yLabel: "r"),
            PlotMetric(key: "dispo/ratio_pos_p99", title: "A>0: 99th percentile of r", yLabel: "r"),
            PlotMetric(key: "dispo/ratio_neg_p01", title: "A<0: 1st percentile of r", yLabel: "r"),
            PlotMetric(key: "dispo/ratio_neg_p99", title: "A<0: 99th percentile of r", yLabel: "r"),
            PlotMetric(key: "dispo/abs_log_ratio_mean", title: "mean |log r|", yLabel: "nats"),
            PlotMetric(key: "dispo/zero_adv_share", title: "share of A = 0 tokens", yLabel: "share"),
        ], yIncludes: [], columns: 2),
        PlotSpec(file: "ppo_clip.svg", title: "PPO-clip clip fraction by sign of A", metrics: [
            PlotMetric(key: "actor/pg_clipfrac_pos", title: "A>0 tokens on the clipped branch", yLabel: "share"),
            PlotMetric(key: "actor/pg_clipfrac_neg", title: "A<0 tokens on the clipped branch", yLabel: "share"),
        ], yIncludes: [0], columns: 2),
        PlotSpec(file: "throughput.svg", title: "Throughput", metrics: [
            PlotMetric(key: "perf/samples_per_s", title: "sampling (perf/samples_per_s)", yLabel: "samples / s"),
            PlotMetric(key: "perf/trained_tokens_per_s", title: "learning (perf/trained_tokens_per_s)", yLabel: "tokens / s"),
        ], yIncludes: [0], columns: 2),
        PlotSpec(file: "grad_norm.svg", title: "Gradient norm", metrics: [
            PlotMetric(key: "actor/grad_norm", title: "global gradient norm before clipping (actor/grad_norm)", yLabel: "L2 norm")],
                 yIncludes: [0], columns: 1),
        PlotSpec(file: "pg_loss.svg", title: "Policy loss", metrics: [
            PlotMetric(key: "actor/pg_loss", title: "policy-gradient loss (actor/pg_loss)", yLabel: "loss")],
                 yIncludes: [], columns: 1),
    ]

    /// Every chart that has data, by file name, in display order: one line per group (a run, or an arm's runs).
    public static func charts(_ groups: [RunGroup]) -> [(file: String, chart: SVGChart)] {
        var charts = [(file: "accuracy.svg", chart: accuracyChart(groups))]
        for spec in specs {
            let panels = spec.metrics.map { metric in
                ChartPanel(title: metric.title, yLabel: metric.yLabel, series: groups.enumerated().map { i, group in
                    ChartSeries(run: group.name, color: i, banded: group.series(metric.key))
                }, yIncludes: spec.yIncludes, note: metric.regime.flatMap { cannotClipNote($0, groups) })
            }
            charts.append((spec.file, SVGChart(title: spec.title, panels: panels, columns: spec.columns)))
        }
        return charts.filter { $0.chart.hasData }
    }

    /// "cannot clip: …" when some group's runs logged an ε with which `regime` cannot clip.
    static func cannotClipNote(_ regime: ClipRegime, _ groups: [RunGroup]) -> String? {
        let blocked = groups.compactMap { g in g.cannotClip(regime).map { (g.name, $0) } }
        guard let first = blocked.first, let reason = regime.cannotClipReason(epsilon: first.1) else { return nil }
        if blocked.count == groups.count { return "cannot clip: " + reason }
        return "cannot clip in " + blocked.map(\.0).joined(separator: ", ") + " (" + reason + ")"
    }

    /// Train accuracy per step (line), held-out mean@k (dashed, circles) and greedy accuracy (dotted, squares).
    static func accuracyChart(_ groups: [RunGroup]) -> SVGChart {
        var series: [ChartSeries] = []
        for (i, group) in groups.enumerated() {
            series.append(ChartSeries(run: group.name, color: i, style: .line, banded: group.series("acc/mean")))
            series.append(ChartSeries(run: group.name, color: i, style: .circles, banded: group.evalSeries("eval/mean@k")))
            series.append(ChartSeries(run: group.name, color: i, style: .squares, banded: group.evalSeries("eval/greedy")))
        }
        let panel = ChartPanel(title: "train acc/mean per step; held-out eval before (step 0), at eval steps, after",
                               yLabel: "accuracy", series: series, yIncludes: [0, 1])
        return SVGChart(title: "Accuracy", panels: [panel], styleLabels: [
            .line: "train (acc/mean)", .circles: "held-out mean@k", .squares: "held-out greedy"])
    }

    /// Legend names: each directory's name, or parent/name where two runs share a name.
    public static func names(_ directories: [String]) -> [String] {
        let urls = directories.map { URL(fileURLWithPath: $0).standardizedFileURL }
        let short = urls.map(\.lastPathComponent)
        let long = urls.map { $0.deletingLastPathComponent().lastPathComponent + "/" + $0.lastPathComponent }
        return urls.indices.map { i in
            if short.filter({ $0 == short[i] }).count == 1 { return short[i] }
            if long.filter({ $0 == long[i] }).count == 1 { return long[i] }
            return urls[i].path
        }
    }

    /// The default output directory: RUN_DIR/plots for one run, `plots` for several.
    public static func defaultOutput(_ runDirectories: [String]) -> String {
        runDirectories.count == 1 ? runDirectories[0] + "/plots" : "plots"
    }

    /// Reads the runs and writes the charts (and index.html) into `output`; returns the chart files written.
    /// `bands`: one line per arm (runs grouped by their parent directory) with a band of ± one standard error.
    public static func write(runDirectories: [String], to output: String, bands: Bool = false) throws -> [String] {
        guard !runDirectories.isEmpty else {
            throw InputError(file: "command line", expected: "at least one run directory")
        }
        let legend = names(runDirectories)
        let runs = try zip(runDirectories, legend).map { try RunMetrics.load($0, name: $1) }
        let drawn = charts(bands ? RunGroup.byParent(runs) : RunGroup.single(runs))
        guard !drawn.isEmpty else { return [] }
        try FileSystem.createDirectory(output)
        var written: [String] = []
        for (file, chart) in drawn {
            let path = output + "/" + file
            try AtomicFile.write(chart.render(), to: path)
            written.append(path)
        }
        try AtomicFile.write(index(runs: runs, charts: drawn.map(\.file)), to: output + "/index.html")
        return written
    }

    /// A page showing every chart, with the runs it compares.
    static func index(runs: [RunMetrics], charts: [String]) -> String {
        let runList = runs.map { "<li>\(xmlEscape($0.name)): \(xmlEscape($0.directory)), \($0.rows.count) steps</li>" }.joined()
        let images = charts.map { "<p><img src=\"\($0)\" alt=\"\($0)\"></p>" }.joined(separator: "\n")
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>dispo plots</title></head>
        <body style="font-family: Helvetica, Arial, sans-serif">
        <h1>dispo plots</h1>
        <ul>\(runList)</ul>
        \(images)
        </body></html>

        """
    }
}
