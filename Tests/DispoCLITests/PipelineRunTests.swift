// Pipelines end to end with the built `dispo`: validation errors, determinism whatever the channel
// capacities, and kill -9 at several moments (including halfway through a checkpoint write) followed by
// `dispo resume`, which must end with weights bit-identical to an uninterrupted run.
import DispoShards
import DispoSupport
import Foundation
import XCTest

final class PipelineRunTests: XCTestCase {
    private func weights(_ runDir: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: runDir + "/final/model.safetensors"))
    }

    func test_validate_reports_path_and_allowed_values() throws {
        let (_, sets) = try smokeShards()
        XCTAssertEqual(try Dispo.run(["validate", "Pipelines/smoke.json"] + sets).status, 0)
        let bad = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "rollout.temprature=0.5"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("$.rollout.temprature"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("did you mean \"temperature\"?"), bad.stderr)
        let range = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "train.mini_batches=3"])
        XCTAssertTrue(range.stderr.contains("$.train.mini_batches: expected a divisor of the step's batch"), range.stderr)
        let missing = try Dispo.run(["validate", "Pipelines/smoke.json", "--set", "data.train=\"/nonexistent\""])
        XCTAssertTrue(missing.stderr.contains("$.data.train: expected a shard set directory"), missing.stderr)
    }

    func test_run_is_deterministic_across_channel_capacities() throws {
        let (dir, sets) = try smokeShards()
        let a = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/a"] + sets)
        XCTAssertEqual(a.status, 0, a.stderr)
        let b = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/b"] + sets
                              + ["--set", "channels.batches=1", "--set", "channels.groups=1"])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertEqual(try weights(dir + "/a"), try weights(dir + "/b"))
        for file in ["spec.json", "metrics.jsonl", "summary.json", "eval-before.json", "eval-after.json", "final/config.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/a/" + file), file)
        }
        let summary = try JSONOutput.file(dir + "/a/summary.json")
        XCTAssertEqual(summary["steps"]?.int, 6)
        XCTAssertNotNil(summary["accuracy_before"]?.double)
        XCTAssertNotNil(summary["accuracy_after"]?.double)
        let lines = try String(contentsOfFile: dir + "/a/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
    }

    /// The step of every recorded rollout, in segment order.
    private func recordedSteps(_ runDir: String) throws -> [Int] {
        let segments = try FileManager.default.contentsOfDirectory(atPath: runDir + "/rollouts").sorted()
        XCTAssertTrue(segments.allSatisfy { $0.hasPrefix("steps-") }, "\(segments)")
        return try segments.flatMap { segment -> [Int] in
            let set = try ShardSet(directory: runDir + "/rollouts/" + segment)
            return try (0..<set.count).map { i in
                try XCTUnwrap(JSONValue.parse(bytes: set.record(at: i).metadata)?["step"]?.int, "record \(i) of \(segment)")
            }
        }
    }

    func test_recorded_rollouts_replay_with_dispo_learn() throws {
        let (dir, sets) = try smokeShards()
        let run = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/r"] + sets)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try recordedSteps(dir + "/r"), (1...6).flatMap { Array(repeating: $0, count: 16) })
        let cat = try Dispo.run(["shards", "cat", dir + "/r/rollouts/steps-000001-000002", "--limit", "1",
                                 "--tokenizer", "Data/tokenizers/char"])
        XCTAssertEqual(cat.status, 0, cat.stderr)
        XCTAssertTrue(cat.stdout.contains("\"old_logprobs\""), cat.stdout)
        let replay = try Dispo.run(["learn", "--model", dir + "/r/final", "--rollouts", dir + "/r/rollouts/steps-000005-000006",
                                    "--step", "6", "--out", dir + "/replayed", "--lr", "0.001"])
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertTrue(replay.stdout.contains("\"train/rollouts\":16"), replay.stdout)
    }

    func test_sigint_checkpoints_and_resume_finishes_identically() throws {
        let (dir, sets) = try smokeShards()
        let reference = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/ref"] + sets)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        // SIGINT after step 3 (delivered asynchronously, so the run stops after step 3 or a step later): the step
        // in flight finishes, a checkpoint is written, the process exits 130.
        let interrupted = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/int"] + sets,
                                        environment: ["DISPO_FAULT": "sigint:3"])
        XCTAssertEqual(interrupted.status, 130, interrupted.stderr)
        XCTAssertTrue(interrupted.stderr.contains("stopping: finishing the step in flight"), interrupted.stderr)
        XCTAssertTrue(interrupted.stdout.contains("dispo resume"), interrupted.stdout)
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir + "/int/checkpoints").sorted()
        let newest = try XCTUnwrap(checkpoints.last)
        XCTAssertTrue(["step-000003", "step-000004", "step-000005"].contains(newest), "\(checkpoints)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/int/checkpoints/\(newest)/DONE"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/int/final"))
        // A changed spec is refused unless the change is named safe.
        let refused = try Dispo.run(["resume", dir + "/int", "--set", "eval.samples=3"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("eval.samples differ"), refused.stderr)
        let resumed = try Dispo.run(["resume", dir + "/int"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try weights(dir + "/int"), try weights(dir + "/ref"))
        // Extending a finished run by two steps, with the change allowed.
        let extended = try Dispo.run(["resume", dir + "/int", "--set", "train.steps=8", "--allow-change", "train.steps"])
        XCTAssertEqual(extended.status, 0, extended.stderr)
        let lines = try String(contentsOfFile: dir + "/int/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 8)
    }

    func test_killed_runs_resume_to_identical_weights() throws {
        let (dir, sets) = try smokeShards()
        let reference = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/ref"] + sets)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let expected = try weights(dir + "/ref")
        // Kill points: after step 1 (before any step checkpoint), after step 3, and halfway through writing
        // checkpoints 2 and 6 (the last).
        for (i, fault) in ["step:1", "step:3", "checkpoint-write:2", "checkpoint-write:6"].enumerated() {
            let runDir = dir + "/kill\(i)"
            let killed = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", runDir] + sets, environment: ["DISPO_FAULT": fault])
            XCTAssertEqual(killed.status, 9, "\(fault): the process should die by SIGKILL; stderr: \(killed.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: runDir + "/final"), fault)
            let resumed = try Dispo.run(["resume", runDir])
            XCTAssertEqual(resumed.status, 0, "\(fault): \(resumed.stderr)")
            XCTAssertEqual(try weights(runDir), expected, "\(fault): resumed weights differ from the uninterrupted run")
            let lines = try String(contentsOfFile: runDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 6, "\(fault): each step logged once")
            XCTAssertEqual(try recordedSteps(runDir), (1...6).flatMap { Array(repeating: $0, count: 16) }, "\(fault): each rollout recorded once")
        }
    }
}
