// Every shipped pipeline validates, and the Qwen2.5-Math-style one runs end to end on a random tiny qwen2
// model (its real paths are placeholders, so the test points them at small local data).
import DispoEngine
import Foundation
import XCTest

final class PipelineFilesTests: XCTestCase {
    private func shards() throws -> String {
        let dir = try scratchDirectory()
        let run = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", "Data/tokenizers/char",
                                 "--out", dir + "/data", "--response-field", "solution", "--split", "test=0.1", "--seed", "1", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return dir
    }

    private func dataOverrides(_ dir: String) -> [String] {
        ["--set", "data.train=\"\(dir)/data/train\"", "--set", "data.eval=\"\(dir)/data/test\""]
    }

    func test_every_shipped_pipeline_validates() throws {
        let dir = try shards()
        let files = try FileManager.default.contentsOfDirectory(atPath: Dispo.packageRoot.path + "/Pipelines")
            .filter { $0.hasSuffix(".json") && !$0.hasPrefix("qwen") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 12, "\(files)")
        for file in files {
            var args = ["validate", "Pipelines/" + file] + dataOverrides(dir)
            let text = try String(contentsOfFile: Dispo.packageRoot.path + "/Pipelines/" + file, encoding: .utf8)
            if text.contains("\"sft\"") { args += ["--set", "sft.data=\"\(dir)/data/train\""] }
            let run = try Dispo.run(args)
            XCTAssertEqual(run.status, 0, "\(file): \(run.stderr)")
        }
    }

    func test_qwen_math_pipeline_runs_on_a_tiny_random_qwen2() throws {
        let dir = try shards()
        let model = dir + "/qwen-tiny"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        let transformer = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: 100, hiddenSize: 32, intermediateSize: 64,
                                                          numHiddenLayers: 2, numAttentionHeads: 4, numKeyValueHeads: 2,
                                                          eosTokenIDs: [2]))
        transformer.initializeRandom(seed: 3)
        try transformer.save(directory: model)
        try FileManager.default.copyItem(atPath: Dispo.packageRoot.path + "/Data/tokenizers/char/vocab.json", toPath: model + "/vocab.json")
        let file = "Pipelines/qwen2.5-math-1.5b-dispo.json"
        let missing = try Dispo.run(["validate", file])
        XCTAssertNotEqual(missing.status, 0, "placeholder paths must not validate")
        XCTAssertTrue(missing.stderr.contains("$.model.path"), missing.stderr)
        let small = ["--set", "model.path=\"\(model)\"", "--set", "tokenizer=\"\(model)\"", "--set", "train.steps=2",
                     "--set", "rollout.max_new_tokens=16", "--set", "rollout.prompts_per_step=2", "--set", "rollout.group_size=2",
                     "--set", "train.mini_batches=2", "--set", "scoring.overlong.max_length=16", "--set", "scoring.overlong.buffer=4",
                     "--set", "data.eval_limit=4", "--set", "eval.every=0", "--set", "dynamic_sampling.enabled=false"]
        XCTAssertEqual(try Dispo.run(["validate", file] + dataOverrides(dir) + small).status, 0)
        let run = try Dispo.run(["run", file, "--run-dir", dir + "/run"] + dataOverrides(dir) + small)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/run/final/model.safetensors"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/run/summary.json"))
    }
}
