// What a run writes for studies, end to end with the built `dispo`: collapse detection (a warning and
// summary.json's `collapse`; with train.stop_on_collapse an early stop, exit status 3 and the reason), per-problem
// evaluation files, TensorBoard event files that hold each step once after kill -9 and resume, and the adaptive
// clipping schedule resuming bit for bit.
import DispoPlots
import DispoSupport
import Foundation
import XCTest

final class RunOutputsTests: XCTestCase {
    private func json(_ path: String) throws -> JSONValue { try JSONOutput.file(path) }

    private func metricLines(_ runDir: String) throws -> [JSONValue] {
        try JSONOutput.lines(String(contentsOfFile: runDir + "/metrics.jsonl", encoding: .utf8))
    }

    /// The step of every event in the run's TensorBoard file, in order.
    private func tensorBoardSteps(_ runDir: String) throws -> [Int?] {
        let files = try FileManager.default.contentsOfDirectory(atPath: runDir + "/tensorboard")
        XCTAssertEqual(files.count, 1, "\(files)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: runDir + "/tensorboard/" + files[0])))
        return TensorBoardEvent.records(bytes).map { TensorBoardEvent.step(ofEvent: $0.data) }
    }

    func test_collapse_stops_the_run_when_asked_and_only_warns_otherwise() throws {
        let (dir, sets) = try smokeShards(["data.eval_limit=8"])
        // accuracy_below = 1 holds at every step: the run "collapses" once the window of 2 steps is full.
        let collapse = ["--set", "train.collapse.window=2", "--set", "train.collapse.accuracy_below=1"]
        let stopped = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/stop"] + sets + collapse
                                    + ["--set", "train.stop_on_collapse=true"])
        XCTAssertEqual(stopped.status, 3, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("stopped at step 2: training collapsed at step 2 (train accuracy ≤ 1.0 for 2 steps"),
                      stopped.stderr)
        XCTAssertTrue(stopped.stdout.contains("warning: training collapsed at step 2"), stopped.stdout)
        let summary = try json(dir + "/stop/summary.json")
        XCTAssertEqual(summary["steps"]?.int, 2)
        XCTAssertEqual(summary["stopped_on_collapse"]?.bool, true)
        let event = try XCTUnwrap(summary["collapse"])
        XCTAssertEqual(event["step"]?.int, 2)
        XCTAssertTrue((event["reason"]?.string ?? "").contains("train accuracy"), "\(event)")
        XCTAssertNotNil(summary["accuracy_after"]?.double, "a stopped run is still evaluated")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/stop/final/model.safetensors"))
        // Without stop_on_collapse the run warns, records the collapse and finishes its 6 steps.
        let warned = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/warn"] + sets + collapse)
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stdout.contains("continuing (set train.stop_on_collapse"), warned.stdout)
        let full = try json(dir + "/warn/summary.json")
        XCTAssertEqual(full["steps"]?.int, 6)
        XCTAssertEqual(full["collapse"]?["step"]?.int, 2)
        // A healthy run has "collapse": null.
        XCTAssertTrue(try String(contentsOfFile: dir + "/warn/summary.json", encoding: .utf8).contains("\"stopped_on_collapse\" : false"))
    }

    func test_adaptive_clipping_tensorboard_and_eval_files_survive_kill_and_resume() throws {
        let (dir, sets) = try smokeShards(["data.eval_limit=8"])
        let adaptive = ["--set", #"algorithm.adaptive_clip={"targets": {"pos_high": 0.05, "pos_low": 0.05, "neg_low": 0.05}, "rate": 0.5}"#]
        let reference = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/ref"] + sets + adaptive)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        // The schedule moves ε from step to step; the first step uses the configured ε.
        let lines = try metricLines(dir + "/ref")
        let negLow = lines.compactMap { $0["dispo/eps_neg_low"]?.double }
        XCTAssertEqual(negLow.first, 1)
        XCTAssertLessThan(negLow.last!, 1, "R4 clipped nothing at ε = 1, so the schedule tightened it")
        XCTAssertEqual(try tensorBoardSteps(dir + "/ref"), [0, 0, 1, 2, 3, 4, 5, 6, 6], "version, eval before, 6 steps, eval after")
        // Killed after step 3 (checkpoints every 2 steps), then resumed: same weights, each step once in TensorBoard.
        let killed = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/kill"] + sets + adaptive,
                                   environment: ["DISPO_FAULT": "step:3"])
        XCTAssertEqual(killed.status, 9, killed.stderr)
        XCTAssertEqual(try tensorBoardSteps(dir + "/kill"), [0, 0, 1, 2, 3])
        let resumed = try Dispo.run(["resume", dir + "/kill"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/kill/final/model.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: dir + "/ref/final/model.safetensors")))
        XCTAssertEqual(try metricLines(dir + "/kill").compactMap { $0["dispo/eps_neg_low"]?.double }, negLow)
        XCTAssertEqual(try tensorBoardSteps(dir + "/kill"), [0, 0, 1, 2, 3, 4, 5, 6, 6])
        // Per-problem evaluation results beside each evaluation: one line per held-out problem.
        for label in ["before", "after"] {
            let problems = try String(contentsOfFile: dir + "/kill/eval-\(label).jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(problems.count, 8, label)
            let first = try JSONValue.parse(String(problems[0]))
            XCTAssertEqual(first["index"]?.int, 0)
            XCTAssertEqual(first["samples"]?.elements?.count, 2)
            XCTAssertNotNil(first["greedy"]?["correct"]?.bool)
        }
        // logging.tensorboard = false writes no event file.
        let quiet = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/quiet"] + sets
                                  + ["--set", "logging.tensorboard=false", "--set", "train.steps=1"])
        XCTAssertEqual(quiet.status, 0, quiet.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/quiet/tensorboard"))
    }

    func test_adaptive_clipping_needs_a_dispo_loss() throws {
        let (_, sets) = try smokeShards(["data.eval_limit=8"])
        let bad = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "algorithm.name=cispo", "--set",
                                 #"algorithm.adaptive_clip={"targets": {"neg_low": 0.05}}"#])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("$.algorithm.adaptive_clip: expected a DISPO loss"), bad.stderr)
        let range = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "train.collapse.window=0"])
        XCTAssertTrue(range.stderr.contains("$.train.collapse.window: expected a whole number ≥ 1"), range.stderr)
    }
}
