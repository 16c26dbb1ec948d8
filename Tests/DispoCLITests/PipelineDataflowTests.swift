// Pipelines end to end as a user runs them: a step's size whatever the generation batch size, the DAPO
// pipeline with dynamic sampling, exact replay of a step with `dispo learn --run`, and — each under a time
// limit, since the failure to catch is a hang — bad data, dynamic sampling running out, a stage failing
// mid-run, and SIGTERM while the learner waits for a batch.
import DispoShards
import DispoSupport
import Foundation
import XCTest

final class PipelineDataflowTests: XCTestCase {
    private func metrics(_ runDir: String, _ key: String) throws -> [Double] {
        try JSONOutput.lines(String(contentsOfFile: runDir + "/metrics.jsonl", encoding: .utf8)).map { line in
            try XCTUnwrap(line[key]?.double, "\(key) in \(JSONWriter.text(line))")
        }
    }

    private func weights(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path + "/model.safetensors")) }

    func test_a_step_trains_on_prompts_per_step_groups_with_smaller_generation_batches() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        // 4 prompts per step, generation batches of 3: every step needs two batches (3 + 1).
        let run = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/r"] + sets + ["--set", "rollout.gen_batch_prompts=3"],
                                timeout: 300)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try metrics(dir + "/r", "train/rollouts"), Array(repeating: 16, count: 6))
        XCTAssertEqual(try metrics(dir + "/r", "train/num_gen_batches"), Array(repeating: 2, count: 6))
        // `dispo validate` accepts it, and `dispo learn` replaying a step from the recorded rollouts sees 16.
        let learn = try Dispo.run(["learn", "--model", dir + "/r/final", "--rollouts", dir + "/r/rollouts/steps-000001-000002",
                                   "--step", "2", "--out", dir + "/l", "--metrics", dir + "/l.json"], timeout: 120)
        XCTAssertEqual(learn.status, 0, learn.stderr)
        XCTAssertTrue(try String(contentsOfFile: dir + "/l.json", encoding: .utf8).contains("\"train/rollouts\":16"))
    }

    func test_dapo_pipeline_with_dynamic_sampling_runs_end_to_end() throws {
        let (dir, _) = try smokeShards(["sft.steps=0"])
        let sets = ["data.train=\"\(dir)/data/train\"", "data.eval=\"\(dir)/data/test\"", "data.eval_limit=16", "train.steps=3",
                    "rollout.prompts_per_step=8", "rollout.group_size=4", "train.micro_batch_size=32", "eval.every=0",
                    "checkpoint.every=3", "rollout.gen_batch_prompts=8"].flatMap { ["--set", $0] }
        let run = try Dispo.run(["run", "Pipelines/dapo-tiny-arith.json", "--run-dir", dir + "/dapo"] + sets, timeout: 600)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try metrics(dir + "/dapo", "train/rollouts"), [32, 32, 32])
        // Dynamic sampling kept only informative groups: as many as the step needs, out of at least as many sampled.
        let sampled = try metrics(dir + "/dapo", "train/groups_sampled"), kept = try metrics(dir + "/dapo", "train/groups_kept")
        for (s, k) in zip(sampled, kept) { XCTAssertGreaterThanOrEqual(s, k); XCTAssertGreaterThanOrEqual(k, 8) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/dapo/final/model.safetensors"))
    }

    func test_dispo_learn_run_replays_a_step_bit_identically() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        let run = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/r"] + sets
                                + ["--set", "checkpoint.every=1", "--set", "checkpoint.keep=10"], timeout: 300)
        XCTAssertEqual(run.status, 0, run.stderr)
        let replay = try Dispo.run(["learn", "--run", dir + "/r", "--step", "4", "--out", dir + "/replayed"], timeout: 120)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        XCTAssertTrue(replay.stderr.contains("bit-identical to the run's checkpoint of step 4"), replay.stderr)
        XCTAssertEqual(try weights(dir + "/replayed"), try weights(dir + "/r/checkpoints/step-000004"))
        // From an older checkpoint the replay goes through the steps in between.
        try FileManager.default.removeItem(atPath: dir + "/r/checkpoints/step-000003")
        let longer = try Dispo.run(["learn", "--run", dir + "/r", "--step", "4"], timeout: 120)
        XCTAssertEqual(longer.status, 0, longer.stderr)
        XCTAssertTrue(longer.stderr.contains("replayed from checkpoint step 2: weights bit-identical"), longer.stderr)
    }

    func test_bad_training_data_fails_at_once_with_the_place() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        func write(_ name: String, _ text: String) throws -> String {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            return dir + "/" + name
        }
        // One empty problem: `dispo shard` refuses it; a shard set written by another tool (here the library's
        // writer, with the run's tokenizer) must still be refused by validate and run. And problems sharded with
        // another tokenizer.
        let empty = try write("empty.jsonl", "{\"problem\":\"1+1=\",\"answer\":\"2\"}\n{\"problem\":\"\",\"answer\":\"1\"}\n")
        let refused = try Dispo.run(["shard", empty, "--tokenizer", "Data/tokenizers/char", "--out", dir + "/e0", "--quiet"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("line 2") && refused.stderr.contains("empty prompt"), refused.stderr)
        let identity = try ShardSet(directory: dir + "/data/train").manifest.tokenizer
        let writer = try ShardSetWriter(directory: dir + "/e", options: ShardWriterOptions(threads: 1), tokenizer: identity,
                                        command: "test", info: [:])
        for (tokens, answer) in [([Int32(5), 6, 7], "2"), ([], "1")] {
            try writer.append(TokenRecord(tokens: tokens, metadata: Array("{\"answer\":\"\(answer)\"}".utf8)))
        }
        _ = try writer.finish()
        let bpe = "Tests/DispoTokenizersTests/Fixtures/compact/qwen2.5-0.5b"
        XCTAssertEqual(try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", bpe, "--out", dir + "/q", "--quiet"]).status, 0)
        let cases: [([String], String)] = [
            (["--set", "data.train=\"\(dir)/e\"", "--set", "rollout.prompts_per_step=2"], "empty prompt"),
            (["--set", "data.train=\"\(dir)/q\""], "made with the run's tokenizer"),
            (["--set", "rollout.prompts_per_step=5000"], "at least prompts_per_step = 5000 training problems"),
            (["--set", "rollout.max_new_tokens=250"], "max_position_embeddings 256"),
        ]
        for (extra, expected) in cases {
            for command in ["validate", "run"] {
                let place = command == "run" ? ["--run-dir", dir + "/bad"] : []
                let result = try Dispo.run([command, "Pipelines/smoke.json"] + place + sets + extra, timeout: 60)
                XCTAssertNotEqual(result.status, 0, "\(command) \(extra)")
                XCTAssertTrue(result.stderr.contains(expected), "\(command) \(extra): \(result.stderr)")
            }
        }
    }

    func test_dynamic_sampling_running_out_ends_the_run_with_its_error() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        // A random model answers nothing correctly: every group is uniform, so no step can be filled.
        let run = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/d"] + sets
                                + ["--set", "dynamic_sampling.enabled=true", "--set", "dynamic_sampling.max_gen_batches=2"], timeout: 120)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("step 1: dynamic sampling gave up after 2 generation batches"), run.stderr)
    }

    func test_a_stage_failing_mid_run_ends_it_and_the_steps_done_resume_identically() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        let reference = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/ref"] + sets, timeout: 300)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let failed = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/f"] + sets + ["--set", "checkpoint.every=0"],
                                   environment: ["DISPO_FAULT": "verifier-error:4"], timeout: 120)
        XCTAssertEqual(failed.status, 1, failed.stderr)
        XCTAssertTrue(failed.stderr.contains("verifier: injected fault at step 4"), failed.stderr)
        // The learner was between steps when the error reached it: the steps done were checkpointed.
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: dir + "/f/checkpoints").sorted()
        XCTAssertTrue(["step-000002", "step-000003"].contains(checkpoints.last ?? ""), "\(checkpoints)")
        let resumed = try Dispo.run(["resume", dir + "/f"], timeout: 300)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try weights(dir + "/f/final"), try weights(dir + "/ref/final"))
    }

    func test_sigterm_ends_a_run_whose_learner_waits_for_a_batch() throws {
        let (dir, sets) = try smokeShards(["sft.steps=0"])
        let process = Process()
        process.executableURL = try Dispo.executable
        process.arguments = ["run", "Pipelines/smoke.json", "--run-dir", dir + "/s"] + sets
        process.currentDirectoryURL = Dispo.packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["DISPO_FAULT": "sampler-stall:3"]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for two steps to be logged; the sampler then stalls before step 3.
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline, process.isRunning,
              ((try? String(contentsOfFile: dir + "/s/metrics.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").count < 2 {
            Thread.sleep(forTimeInterval: 0.2)
        }
        Thread.sleep(forTimeInterval: 1)
        let signalled = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, Date().timeIntervalSince(signalled) < 30 { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 30, "SIGTERM did not end the run: \(stderr)")
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/s/checkpoints/step-000002/DONE"), stderr)
    }
}
