// The sweep's tables as Markdown (DIR/aggregate.md, also printed at the end of `dispo sweep`): outcomes per
// arm, the regime metrics per arm, and the paired comparisons with the reference arm. Every cell is
// mean ± standard error across the arm's seeds ("—" where the arm has no such value).

import Foundation

public enum SweepTable {
    static func cell(_ s: Statistic?, scale: Double = 1, _ format: String = "%.3f") -> String {
        guard let s, let mean = s.mean else { return "—" }
        let m = String(format: format, mean * scale)
        return s.stderr.map { m + " ± " + String(format: format, $0 * scale) } ?? m
    }

    static func row(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }

    public static func markdown(_ a: SweepAggregate) -> String {
        var lines = ["# Sweep results", "",
                     "Each cell: mean ± standard error across the arm's finished seeds (n in `runs`). Accuracies in percent "
                         + "(mean@k at the evaluation temperature; greedy); entropy, length, truncation and repetition are means "
                         + "over the last \(SweepAggregate.finalWindow) steps; regime metrics are means over all steps.", ""]
        lines.append(row(["arm", "runs", "collapsed", "mean@k before", "mean@k after", "change", "greedy after", "entropy",
                          "Δ entropy", "length", "truncation", "repetition", "wall time (min)", "samples"]))
        lines.append(row(Array(repeating: "---", count: 14)))
        for name in a.armOrder {
            guard let arm = a.arms[name] else { continue }
            let s = arm.statistics
            lines.append(row([name, "\(arm.finished)/\(arm.seeds.count)", "\(arm.collapsed)",
                              cell(s["accuracy_before"], scale: 100, "%.1f"), cell(s["accuracy_after"], scale: 100, "%.1f"),
                              cell(s["accuracy_change"], scale: 100, "%+.1f"), cell(s["greedy_after"], scale: 100, "%.1f"),
                              cell(s["entropy_final"]), cell(s["entropy_change"], "%+.3f"), cell(s["response_length_final"], "%.1f"),
                              cell(s["truncation_final"]), cell(s["repetition_final"]), cell(s["wall_seconds"], scale: 1 / 60.0, "%.1f"),
                              cell(s["samples_generated"], scale: 1e-3, "%.1fk")]))
        }
        lines += ["", "## Regime metrics", "",
                  "Clip share: the share of a regime's own tokens (sign of A, side of 1) whose weight was clipped "
                      + "(R1 A>0 r>1, R2 A>0 r<1, R3 A<0 r>1, R4 A<0 r<1; DISPO and CISPO). PPO-clip: the share of A>0 / A<0 "
                      + "tokens on the clipped branch. |log r|: mean over loss tokens; ppo_kl: mean of log π_old − log π.", ""]
        lines.append(row(["arm", "R1 clip", "R2 clip", "R3 clip", "R4 clip", "PPO clip A>0", "PPO clip A<0", "mean |log r|",
                          "ppo_kl", "A = 0 share"]))
        lines.append(row(Array(repeating: "---", count: 10)))
        for name in a.armOrder {
            guard let s = a.arms[name]?.statistics else { continue }
            lines.append(row([name] + ["clip_share_pos_high", "clip_share_pos_low", "clip_share_neg_high", "clip_share_neg_low",
                                       "pg_clipfrac_pos", "pg_clipfrac_neg", "abs_log_ratio_mean"].map { cell(s[$0], "%.4f") }
                             + [cell(s["ppo_kl"], "%.4f"), cell(s["zero_adv_share"])]))
        }
        if let ref = a.reference, !a.comparisons.isEmpty {
            lines += ["", "## Paired comparisons with \(ref)", "",
                      "Δ: difference in mean@k (points) on the same held-out problems, each problem's share of correct samples "
                          + "averaged over seeds; 95% interval and p from a paired bootstrap over problems; sign test over "
                          + "problems (wins/losses, ties dropped). Per-seed Δ pairs seed k of both arms (mean ± standard error): "
                          + "the bootstrap and sign test measure evaluation noise, the per-seed Δ also training noise.", ""]
            lines.append(row(["arm", "problems", "Δ mean@k", "95% interval", "bootstrap p", "wins/losses", "sign test p", "per-seed Δ"]))
            lines.append(row(Array(repeating: "---", count: 8)))
            for name in a.armOrder {
                guard let c = a.comparisons[name] else { continue }
                lines.append(row([name, "\(c.problems)", String(format: "%+.1f", c.delta * 100),
                                  String(format: "[%+.1f, %+.1f]", c.bootstrapLow * 100, c.bootstrapHigh * 100),
                                  String(format: "%.4f", c.bootstrapP), "\(c.signTest.wins)/\(c.signTest.losses)",
                                  String(format: "%.4f", c.signTest.p), cell(c.perSeed, scale: 100, "%+.1f") + " (n \(c.perSeed.n))"]))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
