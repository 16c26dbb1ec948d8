// Plots of metrics with extreme values: ±1e308 (finite, but no axis can hold them next to ordinary values)
// are left out of the charts, a step that is not a whole number in range is an error naming the line, and
// nothing traps.
import DispoPlots
import DispoSupport
import Foundation
import XCTest

final class PlotLimitsTests: XCTestCase {
    private func run(_ lines: [String]) throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-plot-limits-\(UUID().uuidString)"
        try FileSystem.createDirectory(dir + "/r")
        addTeardownBlock { try? FileSystem.remove(dir) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: dir + "/r/metrics.jsonl")
        return dir
    }

    func test_values_near_the_double_limit_are_left_out_and_charts_are_written() throws {
        let root = try run(["{\"step\":1,\"acc/mean\":1e308,\"actor/entropy\":1.5}", "{\"step\":2,\"acc/mean\":-1e308,\"actor/entropy\":1.4}",
                            "{\"step\":3,\"acc/mean\":0.5,\"actor/entropy\":1e-308}"])
        let written = try RunPlots.write(runDirectories: [root + "/r"], to: root + "/plots")
        XCTAssertFalse(written.isEmpty)
        for path in written {
            let svg = String(decoding: try FileSystem.read(path), as: UTF8.self)
            XCTAssertFalse(svg.contains("inf") || svg.contains("nan"), path)
        }
        let scale = AxisScale(covering: [-1e308, 1e308, 0.5])
        XCTAssertTrue(scale.lower.isFinite && scale.upper.isFinite && scale.step.isFinite)
        XCTAssertLessThanOrEqual(scale.ticks.count, 1001)
        XCTAssertEqual(ChartSeries(run: "r", color: 0, points: [ChartPoint(x: 1, y: 1e308), ChartPoint(x: 2, y: 1)]).points.count, 1)
    }

    func test_a_step_beyond_range_is_an_error_naming_the_line() throws {
        for step in ["1e308", "-1", "2.5"] {
            let root = try run(["{\"step\":1,\"acc/mean\":0.5}", "{\"step\":\(step),\"acc/mean\":0.5}"])
            XCTAssertThrowsError(try RunMetrics.load(root + "/r"), step) {
                XCTAssertTrue("\($0)".contains("metrics.jsonl: line 2: expected a numeric \"step\" (a whole number in [0, 1000000000])"), "\($0)")
            }
        }
    }
}
