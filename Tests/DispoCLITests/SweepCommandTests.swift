// `dispo sweep` end to end with the built binary: 2 arms × 2 seeds of a few steps, two at a time. Every run is
// killed mid-way (DISPO_FAULT reaches the children), so the sweep reports failures; the same command again
// resumes them and aggregates (aggregate.json with {"mean", "stderr", "n"} per statistic, the Markdown tables,
// paired comparisons over the held-out problems, banded plots); a third time it has nothing to run; a changed
// setting is refused, naming it.
import DispoSupport
import Foundation
import XCTest

final class SweepCommandTests: XCTestCase {
    func test_sweep_runs_arms_by_seeds_resumes_and_aggregates() throws {
        let dir = try scratchDirectory()
        let shard = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", "Data/tokenizers/char",
                                   "--out", dir + "/data", "--response-field", "solution", "--split", "test=0.1", "--seed", "1", "--quiet"])
        XCTAssertEqual(shard.status, 0, shard.stderr)
        // Two arms: the smoke pipeline as "a" (DISPO) and as "b" (CISPO).
        let smoke = try String(contentsOfFile: Dispo.packageRoot.path + "/Pipelines/smoke.json", encoding: .utf8)
        try smoke.replacingOccurrences(of: #""name": "smoke""#, with: #""name": "a""#).write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        try smoke.replacingOccurrences(of: #""name": "smoke""#, with: #""name": "b""#)
            .replacingOccurrences(of: #""algorithm": {"name": "dispo"}"#, with: #""algorithm": {"name": "cispo"}"#)
            .write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        let sets = ["data.train=\"\(dir)/data/train\"", "data.eval=\"\(dir)/data/test\"", "sft.data=\"\(dir)/data/train\"",
                    "data.eval_limit=8", "train.steps=3", "sft.steps=2"].flatMap { ["--set", $0] }
        let out = dir + "/sweep"
        let command = ["sweep", dir + "/a.json", dir + "/b.json", "--seeds", "1-2", "--out", out, "--jobs", "2"] + sets

        // Killed after step 2: every run fails, the sweep says so and exits 1.
        let killed = try Dispo.run(command, environment: ["DISPO_FAULT": "step:2"])
        XCTAssertEqual(killed.status, 1, killed.stdout + killed.stderr)
        XCTAssertTrue(killed.stdout.contains("0 finished, 0 to resume, 4 to start; 2 at a time"), killed.stdout)
        XCTAssertEqual(killed.stdout.components(separatedBy: "failed: ").count - 1, 4, killed.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/a/seed-1.log"))

        // Again: all four resume and finish.
        let resumed = try Dispo.run(command)
        XCTAssertEqual(resumed.status, 0, resumed.stdout + resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("0 finished, 4 to resume, 0 to start"), resumed.stdout)
        for arm in ["a", "b"] {
            for seed in [1, 2] {
                let runDir = "\(out)/\(arm)/seed-\(seed)"
                let spec = try JSONOutput.file(runDir + "/spec.json")
                XCTAssertEqual(spec["seed"]?.int, seed)
                XCTAssertTrue(FileManager.default.fileExists(atPath: runDir + "/summary.json"), runDir)
                XCTAssertTrue(FileManager.default.fileExists(atPath: runDir + "/eval-after.jsonl"), runDir)
            }
        }
        let aggregate = try JSONOutput.file(out + "/aggregate.json")
        let arms = try XCTUnwrap(aggregate["arms"])
        XCTAssertEqual(Set(arms.members?.map(\.key) ?? []), ["a", "b"])
        XCTAssertEqual(aggregate["arm_order"]?.strings, ["a", "b"])
        let statistics = try XCTUnwrap(arms["a"]?["statistics"])
        for name in ["accuracy_before", "accuracy_after", "entropy_final", "response_length_final", "truncation_final",
                     "repetition_final", "clip_share_pos_high", "wall_seconds", "samples_generated"] {
            let s = try XCTUnwrap(statistics[name], name)
            XCTAssertEqual(s["n"]?.int, 2, name)
            XCTAssertNotNil(s["mean"]?.double, name)
            XCTAssertNotNil(s["stderr"], name)
        }
        // Three steps of 4 prompts × 4 samples per run.
        XCTAssertEqual(statistics["samples_generated"]?["mean"]?.double, 48)
        XCTAssertEqual(aggregate["reference"]?.string, "a")
        let comparison = try XCTUnwrap(aggregate["comparisons"]?["b"])
        XCTAssertEqual(comparison["problems"]?.int, 8)
        XCTAssertEqual(comparison["per_seed_delta"]?["n"]?.int, 2)
        let table = try String(contentsOfFile: out + "/aggregate.md", encoding: .utf8)
        XCTAssertTrue(table.contains("| a | 2/2 | 0 |"), table)
        XCTAssertTrue(table.contains("## Paired comparisons with a"), table)
        XCTAssertTrue(resumed.stdout.contains("| b | 2/2 |"), resumed.stdout)
        let entropy = try String(contentsOfFile: out + "/plots/entropy.svg", encoding: .utf8)
        XCTAssertEqual(entropy.components(separatedBy: "class=\"band\"").count - 1, 2, "one band per arm")
        XCTAssertTrue(entropy.contains(">a</text>") && entropy.contains(">b</text>"), "the legend names the arms")

        // A third time there is nothing to run.
        let again = try Dispo.run(command)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("4 finished, 0 to resume, 0 to start"), again.stdout)
        // With a seed not run yet, --aggregate-only starts nothing and aggregates the finished runs.
        let partial = try Dispo.run(command.map { $0 == "1-2" ? "1-3" : $0 } + ["--aggregate-only"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stdout.contains("4 finished, 0 to resume, 2 to start"), partial.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/a/seed-3"))
        XCTAssertTrue(partial.stdout.contains("| a | 2/3 |"), partial.stdout)
        // Another setting for the same output directory is refused, naming it.
        let changed = try Dispo.run(command + ["--set", "optimizer.lr=0.002"])
        XCTAssertNotEqual(changed.status, 0)
        XCTAssertTrue(changed.stderr.contains("a run with other settings: optimizer.lr"), changed.stderr)
        let bad = try Dispo.run(["sweep", dir + "/a.json", "--seeds", "3-1", "--out", out])
        XCTAssertTrue(bad.stderr.contains("--seeds: expected seeds like 1-5"), bad.stderr)
    }
}
