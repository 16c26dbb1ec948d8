// Runs drawn as one line in a chart: a single run, or the runs of one arm of a sweep (its seeds), drawn as
// the mean across runs with a band of ± one standard error of that mean. At each step the statistics are
// over the runs that logged the step (a run that stopped early, e.g. at a collapse, drops out after it):
//
//     mean = Σ y / n        stderr = sqrt(Σ (y − mean)² / (n − 1) / n)   (0 for n = 1)

import DispoLosses
import Foundation

/// A point and the half-width of its band (0: no band).
public struct BandPoint: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var spread: Double
    public var n: Int
}

public struct RunGroup: Sendable {
    /// The legend name: the run's, or the arm's.
    public var name: String
    public var runs: [RunMetrics]

    public init(name: String, runs: [RunMetrics]) {
        self.name = name
        self.runs = runs
    }

    /// Each run on its own (no bands).
    public static func single(_ runs: [RunMetrics]) -> [RunGroup] { runs.map { RunGroup(name: $0.name, runs: [$0]) } }

    /// Runs grouped by the name of their directory's parent — a sweep's `DIR/<arm>/seed-<k>` — in first-seen order.
    public static func byParent(_ runs: [RunMetrics]) -> [RunGroup] {
        var groups: [RunGroup] = []
        for run in runs {
            let arm = URL(fileURLWithPath: run.directory).standardizedFileURL.deletingLastPathComponent().lastPathComponent
            if let i = groups.firstIndex(where: { $0.name == arm }) { groups[i].runs.append(run) } else {
                groups.append(RunGroup(name: arm, runs: [run]))
            }
        }
        return groups
    }

    /// A per-step metric: mean ± standard error across the runs at each step.
    public func series(_ key: String) -> [BandPoint] { Self.combine(runs.map { $0.series(key) }) }

    /// An evaluation metric (step 0, the eval steps, the last step), combined the same way.
    public func evalSeries(_ key: String) -> [BandPoint] { Self.combine(runs.map { $0.evalSeries(key) }) }

    static func combine(_ perRun: [[ChartPoint]]) -> [BandPoint] {
        var byStep: [Double: [Double]] = [:]
        for points in perRun { for p in points { byStep[p.x, default: []].append(p.y) } }
        return byStep.keys.sorted().map { x in
            let ys = byStep[x]!
            let n = Double(ys.count), mean = ys.reduce(0, +) / n
            let variance = ys.count > 1 ? ys.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
            return BandPoint(x: x, y: mean, spread: (variance / n).squareRoot(), n: ys.count)
        }
    }

    /// Whether any of the runs logged an ε for `regime` with which it cannot clip (`dispo/eps_*`).
    public func cannotClip(_ regime: ClipRegime) -> Float? {
        for run in runs {
            for row in run.rows {
                if let eps = row["dispo/" + regime.epsilonName], !regime.canClip(epsilon: Float(eps)) { return Float(eps) }
            }
        }
        return nil
    }
}
