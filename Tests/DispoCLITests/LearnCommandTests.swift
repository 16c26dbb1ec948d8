// `dispo learn` end to end on a tiny random model saved in Hugging Face format.
import DispoEngine
import DispoPipeline
import DispoSupport
import Foundation
import XCTest

final class LearnCommandTests: XCTestCase {
    private func tinyModelDirectory() throws -> String {
        let dir = try scratchDirectory() + "/model"
        let model = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: 17, hiddenSize: 16, intermediateSize: 24,
                                                    numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1))
        model.initializeRandom(seed: 1)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try model.save(directory: dir)
        return dir
    }

    private func rolloutFile(_ lines: [String]) throws -> String {
        let path = try scratchDirectory() + "/rollouts.jsonl"
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func test_learn_writes_updated_model_and_metrics() throws {
        let modelDir = try tinyModelDirectory()
        let rollouts = try rolloutFile([
            #"{"prompt_ids":[1,2],"response_ids":[3,4],"old_logprobs":[-2.8,-2.9],"reward":1,"group":0}"#,
            #"{"prompt_ids":[1,2],"response_ids":[5],"old_logprobs":[-2.7],"reward":-1,"group":0}"#,
            #"{"prompt_ids":[6],"response_ids":[7,8,9],"old_logprobs":[-2.5,-3.0,-2.6],"reward":-1,"group":1}"#,
            #"{"prompt_ids":[6],"response_ids":[10],"old_logprobs":[-2.9],"reward":1,"group":1}"#,
        ])
        let out = try scratchDirectory() + "/out"
        let metrics = try scratchDirectory() + "/metrics.json"
        let run = try Dispo.run(["learn", "--model", modelDir, "--rollouts", rollouts, "--out", out, "--metrics", metrics,
                                 "--lr", "0.01", "--minibatches", "2", "--algorithm", "dispo", "--eps-neg-high", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let before = try Transformer.load(directory: modelDir), after = try Transformer.load(directory: out)
        let changed = (0..<before.parameterCount).contains { before.parameters.base[$0] != after.parameters.base[$0] }
        XCTAssertTrue(changed, "the update changed no weight")
        let values = try JSONOutput.file(metrics).numbers
        for key in ["actor/pg_loss", "actor/grad_norm", "dispo/clipfrac_neg_high", "critic/score/mean"] {
            XCTAssertNotNil(values[key], key)
        }
        XCTAssertEqual(values["train/rollouts"], 4)
    }

    func test_learn_rejects_bad_rollouts_and_flags() throws {
        let modelDir = try tinyModelDirectory()
        let out = try scratchDirectory() + "/out"
        let bad = try rolloutFile([#"{"prompt_ids":[1],"response_ids":[99],"old_logprobs":[-1],"reward":1,"group":0}"#])
        let run = try Dispo.run(["learn", "--model", modelDir, "--rollouts", bad, "--out", out])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("\(bad): $.response_ids[0] (line 1): expected a token id in [0, 16]"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
        let good = try rolloutFile([#"{"prompt_ids":[1],"response_ids":[2],"old_logprobs":[-1],"reward":1,"group":0}"#])
        let wrongFlag = try Dispo.run(["learn", "--model", modelDir, "--rollouts", good, "--out", out, "--algorithm", "cispo",
                                       "--eps-pos-low", "0.1"])
        XCTAssertNotEqual(wrongFlag.status, 0)
        XCTAssertTrue(wrongFlag.stderr.contains("cispo takes --eps-low/--eps-high"), wrongFlag.stderr)
        let unknown = try Dispo.run(["learn", "--model", modelDir, "--rollouts", good, "--out", out, "--algorithm", "ppo"])
        XCTAssertTrue(unknown.stderr.contains("grpo, dapo, cispo, dispo, reinforce"), unknown.stderr)
    }
}
