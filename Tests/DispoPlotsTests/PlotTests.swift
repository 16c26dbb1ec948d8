// `dispo plot` in the library: two fake run directories overlaid into SVG charts that parse as XML and name
// both runs; axis scales; missing metrics skip a chart; bad input names the file and line.
import DispoPlots
import DispoSupport
import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

final class PlotTests: XCTestCase {
    private func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-plot-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }

    /// A run directory with `steps` metric lines (every charted metric, one null), and eval files.
    private func fakeRun(_ dir: String, steps: Int, offset: Double) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var lines: [String] = []
        for step in 1...steps {
            let s = Double(step)
            var values: [String: Double] = [
                "step": s, "acc/mean": 0.2 + offset + 0.05 * s, "critic/score/mean": -0.6 + 0.1 * s, "actor/entropy": 1.5 - 0.1 * s,
                "response_length/mean": 20 + s, "response/repetition_rate": 0.01 * s, "dispo/clipfrac_pos_high": 0.002 * s,
                "dispo/clipfrac_pos_low": 0.001, "dispo/clipfrac_neg_high": 0, "dispo/clipfrac_neg_low": 0.003,
                "perf/samples_per_s": 300 + offset * 100, "perf/trained_tokens_per_s": 12_000 + 10 * s,
                "actor/grad_norm": 0.5 / s, "actor/pg_loss": -0.1 * s,
            ]
            if step == 3 { values["eval/mean@k"] = 0.4 + offset }
            lines.append(JSONWriter.metricsLine(values).replacingOccurrences(of: "}", with: ",\"actor/ppo_kl\":null,\"note\":\"x\"}"))
        }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: dir + "/metrics.jsonl")
        try AtomicFile.write(#"{"eval/mean@k": \#(0.3 + offset), "eval/greedy": 0.35}"#, to: dir + "/eval-before.json")
        try AtomicFile.write(#"{"eval/mean@k": \#(0.5 + offset), "eval/greedy": 0.55}"#, to: dir + "/eval-after.json")
        return dir
    }

    func test_plot_overlays_two_runs_in_well_formed_svg() throws {
        // Given two runs with every charted metric
        let root = try scratch()
        let a = try fakeRun(root + "/dispo-run", steps: 6, offset: 0)
        let b = try fakeRun(root + "/cispo-run", steps: 4, offset: 0.1)
        // When they are plotted together
        let written = try RunPlots.write(runDirectories: [a, b], to: root + "/plots")
        // Then every chart exists, parses as XML and names both runs
        let files = written.map { URL(fileURLWithPath: $0).lastPathComponent }
        XCTAssertEqual(files, ["accuracy.svg", "reward.svg", "entropy.svg", "response_length.svg", "repetition.svg",
                               "clip_fractions.svg", "throughput.svg", "grad_norm.svg", "pg_loss.svg"])
        for path in written {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try assertWellFormed(text, path)
            XCTAssertTrue(text.contains(">dispo-run</text>"), path)
            XCTAssertTrue(text.contains(">cispo-run</text>"), path)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/plots/index.html"))
        // The accuracy chart explains its three styles and shows the eval points as circles
        let accuracy = try String(contentsOfFile: root + "/plots/accuracy.svg", encoding: .utf8)
        for label in ["train (acc/mean)", "held-out mean@k", "held-out greedy"] { XCTAssertTrue(accuracy.contains(label), label) }
        XCTAssertGreaterThanOrEqual(accuracy.components(separatedBy: "<circle").count - 1, 6 + 1)
        let clip = try String(contentsOfFile: root + "/plots/clip_fractions.svg", encoding: .utf8)
        XCTAssertEqual(clip.components(separatedBy: "<polyline").count - 1, 8, "4 regimes × 2 runs")
    }

    func test_eval_files_map_to_before_step_and_after() throws {
        let root = try scratch()
        let run = try RunMetrics.load(try fakeRun(root + "/r", steps: 5, offset: 0))
        XCTAssertEqual(run.name, "r")
        XCTAssertEqual(run.rows.count, 5)
        XCTAssertNil(run.rows[0]["actor/ppo_kl"], "null is skipped")
        XCTAssertEqual(run.evalSeries("eval/mean@k").map(\.x), [0, 3, 5])
        XCTAssertEqual(run.evalSeries("eval/greedy").map(\.x), [0, 5])
    }

    func test_missing_metrics_skip_charts_and_empty_logs_write_nothing() throws {
        let root = try scratch()
        try FileManager.default.createDirectory(atPath: root + "/r", withIntermediateDirectories: true)
        try AtomicFile.write("{\"step\":1,\"actor/entropy\":1.2}\n{\"step\":2,\"actor/entropy\":1.1}\n", to: root + "/r/metrics.jsonl")
        let written = try RunPlots.write(runDirectories: [root + "/r"], to: RunPlots.defaultOutput([root + "/r"]))
        XCTAssertEqual(written, [root + "/r/plots/entropy.svg"])
        try AtomicFile.write("", to: root + "/r/metrics.jsonl")
        XCTAssertEqual(try RunPlots.write(runDirectories: [root + "/r"], to: root + "/empty"), [])
    }

    func test_bad_input_names_file_and_line() throws {
        let root = try scratch()
        try FileManager.default.createDirectory(atPath: root + "/r", withIntermediateDirectories: true)
        let path = root + "/r/metrics.jsonl"
        try AtomicFile.write("{\"step\":1,\"acc/mean\":0.5}\n\n{\"step\":3,\"acc/mean\":0.5\n", to: path)
        XCTAssertThrowsError(try RunPlots.write(runDirectories: [root + "/r"], to: root + "/out")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): line 3: expected a JSON object"), "\(error)")
        }
        try AtomicFile.write("{\"acc/mean\":0.5}\n", to: path)
        XCTAssertThrowsError(try RunMetrics.load(root + "/r")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path): line 1: expected a numeric \"step\""), "\(error)")
        }
        XCTAssertThrowsError(try RunMetrics.load(root + "/nothing")) { error in
            XCTAssertTrue("\(error)".contains("\(root)/nothing/metrics.jsonl: expected a metrics log"), "\(error)")
        }
        try AtomicFile.write("{\"step\":1}\n", to: path)
        try AtomicFile.write("[1, 2]", to: root + "/r/eval-after.json")
        XCTAssertThrowsError(try RunMetrics.load(root + "/r")) { error in
            XCTAssertTrue("\(error)".contains("eval-after.json: expected a JSON object"), "\(error)")
        }
    }

    func test_axis_scale_picks_nice_steps_and_labels() {
        let accuracy = AxisScale(covering: [0.23, 0.61], includes: [0, 1])
        XCTAssertEqual(accuracy.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(accuracy.label(0.2), "0.2")
        let steps = AxisScale(covering: [1, 3], integer: true)
        XCTAssertEqual(steps.step, 1)
        XCTAssertEqual(steps.label(2), "2")
        let throughput = AxisScale(covering: [12_000, 27_500])
        XCTAssertEqual(throughput.label(throughput.ticks[1]), "15k")
        let flat = AxisScale(covering: [0, 0], includes: [0])
        XCTAssertEqual(flat.lower, 0)
        XCTAssertGreaterThan(flat.upper, 0)
        let negative = AxisScale(covering: [-0.03, 0.01])
        XCTAssertFalse(negative.ticks.map(negative.label).contains("-0.00"))
    }

    func test_legend_names_disambiguate_runs_with_the_same_name() {
        XCTAssertEqual(RunPlots.names(["/x/dispo/final", "/x/cispo/final", "/y/a"]), ["dispo/final", "cispo/final", "a"])
        XCTAssertEqual(RunPlots.defaultOutput(["runs/a"]), "runs/a/plots")
        XCTAssertEqual(RunPlots.defaultOutput(["runs/a", "runs/b"]), "plots")
    }

    private func assertWellFormed(_ text: String, _ path: String) throws {
        #if canImport(FoundationXML) || os(macOS)
        let document = try XMLDocument(xmlString: text, options: [])
        XCTAssertEqual(document.rootElement()?.name, "svg", path)
        #else
        XCTAssertEqual(text.components(separatedBy: "<g").count, text.components(separatedBy: "</g>").count, path)
        #endif
    }
}
