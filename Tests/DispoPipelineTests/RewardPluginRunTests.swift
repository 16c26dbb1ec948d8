// Runs whose reward is a weighted combination with a Python plugin (Tools/reward_plugin_example.py): the
// components are logged, a plugin that crashes mid-run stops it with an error naming the plugin and the
// request after the steps done are checkpointed, and the resumed run ends where an uninterrupted one does.
import DispoEngine
import DispoPipeline
import DispoSupport
import XCTest

final class RewardPluginRunTests: XCTestCase {
    private func reward(command: String) -> String {
        "scoring.reward=[{\"kind\": \"math\"}, {\"kind\": \"command\", \"command\": \(command), \"weight\": 0.5},"
            + " {\"kind\": \"format\", \"weight\": 0.1}]"
    }

    private func finalWeights(_ runDir: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: runDir + "/final/model.safetensors"))
    }

    func test_a_weighted_reward_with_a_python_plugin_is_logged_by_component() async throws {
        let fixture = try PipelineFixture(test: self)
        let example = "[\"python3\", \"\(PipelineFixture.repo)/Tools/reward_plugin_example.py\"]"
        let spec = try fixture.spec([reward(command: example), "eval.every=0"])
        _ = try await PipelineRun(context: try RunContext(spec: spec)).run(resume: false)
        let lines = try String(contentsOfFile: spec.runDir + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for line in lines {
            let m = try StrictJSONDecoder().decode([String: Double?].self, from: JSONParser.parse(String(line), file: "m"), file: "m")
            for key in ["reward/math/mean", "reward/command/mean", "reward/command.shows_work/mean", "reward/format/mean"] {
                XCTAssertNotNil(m[key] ?? nil, "\(key) in \(line)")
            }
            // The plugin answers ±1 and the math verifier ±1: the mean reward lies within the weighted bounds.
            let mean = try XCTUnwrap(m["critic/score/mean"] ?? nil)
            XCTAssertLessThanOrEqual(abs(mean), 1 + 0.5 + 0.1 + 1e-9)
        }
    }

    func test_a_plugin_crash_stops_the_run_and_the_resumed_run_loses_nothing() async throws {
        let fixture = try PipelineFixture(test: self)
        // The plugin exits on a request of step 2 or later once the marker file and the step-1 checkpoint exist.
        // With 4 steps and staleness 1, step 4 is sampled with version 2, published after step 1's checkpoint: the
        // crash always happens, and always after that checkpoint, however the stages interleave.
        let marker = fixture.dir + "/crash"
        let script = fixture.dir + "/plugin.sh"
        let steps = ["eval.every=0", "train.steps=4", "checkpoint.every=1"]
        let reference = try fixture.spec([reward(command: "[\"\(script)\"]")] + steps, name: "ref")
        let spec = try fixture.spec([reward(command: "[\"\(script)\"]")] + steps, name: "crash")
        let done = spec.runDir + "/checkpoints/step-000001/DONE"
        try """
        #!/bin/sh
        while read line; do
          case "$line" in *'"step":1,'* | *'"step":1}'*) ;; *) [ -f \(marker) ] && [ -f \(done) ] && exit 7 ;; esac
          echo '{"reward": 1, "correct": true}'
        done
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        _ = try await PipelineRun(context: try RunContext(spec: reference)).run(resume: false)
        try "".write(toFile: marker, atomically: true, encoding: .utf8)
        do {
            _ = try await PipelineRun(context: try RunContext(spec: spec)).run(resume: false)
            XCTFail("expected the plugin's error")
        } catch {
            XCTAssertTrue("\(error)".contains("reward plugin command (\(script))"), "\(error)")
            XCTAssertTrue("\(error)".contains(", sample"), "\(error)")
            XCTAssertTrue("\(error)".contains("exited (status 7)"), "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: done))
        try FileManager.default.removeItem(atPath: marker)
        _ = try await PipelineRun(context: try RunContext(spec: spec)).run(resume: true)
        XCTAssertEqual(try finalWeights(spec.runDir), try finalWeights(reference.runDir))
    }
}
