// `dispo plot`: SVG charts of one or more run directories, overlaid. Parses arguments and calls
// DispoPipeline.RunPlots.

import ArgumentParser
import DispoJobs
import DispoLearner
import DispoPipeline
import DispoPlots

struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "SVG charts of run directories (overlaid): accuracy, reward, entropy, length, clip fractions, throughput.",
        discussion: """
        Reads each RUN_DIR's metrics.jsonl and eval-*.json. Charts: accuracy.svg (train acc/mean per step, held-out \
        mean@k and greedy accuracy at step 0, the eval steps and the last step), reward.svg, entropy.svg, \
        response_length.svg, truncation.svg, repetition.svg, clip_fractions.svg and clip_shares.svg (the four DISPO \
        regimes; a panel says when a run's ε makes its regime unable to clip), clip_bounds.svg, ratios.svg, \
        ppo_clip.svg, throughput.svg, grad_norm.svg, pg_loss.svg, and index.html showing them all. A chart whose \
        metrics no run logged is not written. The legend names each run by its directory; with --bands, each arm.
        """)

    @Argument(help: "Run directories (each holding metrics.jsonl).") var runDirs: [String]
    @Option(help: "Output directory (default: RUN_DIR/plots for one run, plots for several).") var out: String?
    @Flag(help: "One line per arm: runs grouped by their parent directory (a sweep's OUT/ARM/seed-K), mean ± standard error as a band.")
    var bands = false

    func validate() throws {
        guard !runDirs.isEmpty else { throw ValidationError("give at least one run directory") }
    }

    func run() async throws {
        let output = out ?? RunPlots.defaultOutput(runDirs)
        let written = try RunPlots.write(runDirectories: runDirs, to: output, bands: bands)
        if written.isEmpty {
            print("no charts: the runs have logged no metrics yet")
            return
        }
        print("wrote \(written.count) charts to \(output)/ (open index.html):")
        for path in written { print("  \(path)") }
    }
}
