// The summary table printed at the end of a run.

import Foundation

public enum RunReport {
    public static func table(_ s: RunSummary) -> String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%5.1f%%", $0 * 100) } ?? "    -" }
        let m = s.finalMetrics
        func v(_ key: String, _ format: String = "%.3f") -> String { m[key].map { String(format: format, $0) } ?? "-" }
        var lines = [
            "                      before    after",
            "accuracy (mean@k)     \(pct(s.accuracyBefore))   \(pct(s.accuracyAfter))",
            "accuracy (greedy)     \(pct(s.greedyBefore))   \(pct(s.greedyAfter))",
        ]
        if let b = s.accuracyBefore, let a = s.accuracyAfter, let eb = s.stderrBefore, let ea = s.stderrAfter {
            let se = (eb * eb + ea * ea).squareRoot()
            lines.append(String(format: "change: %+.1f points (± %.1f standard error)", (a - b) * 100, se * 100))
        }
        lines += [
            "steps \(s.steps) in \(String(format: "%.0f", s.wallSeconds)) s",
            "last step: acc \(v("acc/mean")), response length \(v("response_length/mean", "%.1f")), entropy \(v("actor/entropy"))",
        ]
        let clip = StepMetrics.clipColumns(m)
        if !clip.isEmpty { lines.append("clip shares, last step (R1/R2 for A>0, R3/R4 for A<0): " + clip.trimmingCharacters(in: .whitespaces)) }
        lines.append("throughput: \(v("perf/samples_per_s", "%.0f")) samples/s sampled, \(v("perf/trained_tokens_per_s", "%.0f")) tokens/s trained")
        if let c = s.collapse {
            lines.append("collapse at step \(c.step): \(c.reason)" + (s.stoppedOnCollapse ? " (the run stopped there)" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
