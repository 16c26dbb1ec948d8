// The engine benchmark's side-by-side protocol with a stand-in baseline (a shell script speaking the same lines
// as Tools/bench_engine.py --interactive), so the alternation, the parsing and the failure reports are tested
// without torch.
@testable import DispoBench
import Foundation
import XCTest

final class EngineBenchProtocolTests: XCTestCase {
    /// A baseline script in a temporary file; `body` is bash run after the ready line.
    func baseline(_ body: String, ready: Bool = true) throws -> EngineBenchOptions {
        let path = NSTemporaryDirectory() + "dispo-bench-fake-\(UInt64.random(in: 0...UInt64.max)).sh"
        let readyLine = ready ? #"echo '{"ready": true, "torch_version": "9.9", "transformers_version": "8.8"}'"# : ""
        try "\(readyLine)\n\(body)\n".write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        var options = EngineBenchOptions(script: path)
        options.python = "bash"
        return options
    }

    func test_sides_alternate_and_the_baseline_timings_are_read() throws {
        let options = try baseline("""
            n=0
            while read line; do
              [ "$line" = quit ] && exit 0
              n=$((n+1)); echo "{\\"seconds\\": 0.$n, \\"cpu_seconds\\": 0.0$n}"
            done
            """)
        let python = PythonBaseline(options: options)
        var lines: [String] = []
        let session = try XCTUnwrap(python.start(["--part", "train"], emit: { lines.append($0) }), "\(lines)")
        XCTAssertEqual(session.version, "9.9 + transformers 8.8")
        var calls = 0, between = 0
        let (mine, theirs) = try EngineBench.alternate(warmup: 1, count: 3, torch: session, between: { between += 1 }) { calls += 1 }
        session.close()
        python.finish()
        XCTAssertEqual(calls, 4)
        XCTAssertEqual(between, 4)
        XCTAssertEqual(mine.walls.count, 3)
        XCTAssertEqual(theirs?.walls, [0.2, 0.3, 0.4], "the warm-up answer (0.1) is dropped")
        XCTAssertEqual(theirs?.cpus, [0.02, 0.03, 0.04])
        let ratio = EngineBench.ratio(dispo: Timings(walls: [0.1, 0.2, 0.4], cpus: [0.1, 0.2, 0.4]),
                                      torch: theirs!, emit: { lines.append($0) })
        XCTAssertEqual(ratio, 2, accuracy: 1e-12)
        XCTAssertTrue(lines.contains { $0.contains("median of the 3 rounds' ratios: 1.50, range 1.00–2.00") }, "\(lines)")
    }

    func test_a_baseline_that_cannot_start_is_reported_once_with_the_install_line() throws {
        let options = try baseline("echo 'no module named torch' >&2; exit 3", ready: false)
        let python = PythonBaseline(options: options)
        var lines: [String] = []
        XCTAssertNil(python.start([], emit: { lines.append($0) }))
        XCTAssertTrue(lines.joined().contains("no module named torch"), "\(lines)")
        XCTAssertTrue(lines.joined().contains("install the baseline"), "\(lines)")
        lines.removeAll()
        XCTAssertNil(python.start([], emit: { lines.append($0) }))
        XCTAssertEqual(lines, ["pytorch: skipped (baseline unavailable, see above)"])
        python.finish()
    }

    func test_a_baseline_that_dies_mid_run_gives_no_timings_and_says_why() throws {
        let options = try baseline("""
            read line; echo '{"seconds": 0.5, "cpu_seconds": 0.5}'
            read line; echo 'out of memory' >&2; exit 1
            """)
        let python = PythonBaseline(options: options)
        var lines: [String] = []
        let session = try XCTUnwrap(python.start([], emit: { lines.append($0) }))
        let (mine, theirs) = try EngineBench.alternate(warmup: 0, count: 3, torch: session) {}
        XCTAssertEqual(mine.walls.count, 3)
        XCTAssertNil(theirs)
        XCTAssertNil(python.missing(stopped: true, emit: { lines.append($0) }))
        XCTAssertTrue(lines.contains { $0.contains("stopped answering mid-run: out of memory") }, "\(lines)")
        XCTAssertEqual(lines.last, "ratio vs PyTorch: n/a")
        python.finish()
    }
}
