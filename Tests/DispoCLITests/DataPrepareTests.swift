// `data.prepare` end to end: a pipeline whose data are dataset files, rendered with the model's own chat
// template (a Qwen2.5 tokenizer and a tiny random Qwen2 model), sharded by the run into a content-keyed
// cache that the next run reuses; settings that cannot work are errors naming their JSON path.
import DispoEngine
import DispoShards
import DispoTokenizers
import Foundation
import XCTest

final class DataPrepareTests: XCTestCase {
    private let qwenTokenizer = "Tests/DispoTokenizersTests/Fixtures/compact/qwen2.5-0.5b"

    /// A tiny random Qwen2 with the Qwen2.5 vocabulary, the compact tokenizer files beside it.
    private func qwenModel(_ dir: String) throws -> String {
        let model = dir + "/qwen-tiny"
        try FileManager.default.createDirectory(atPath: model, withIntermediateDirectories: true)
        let transformer = Transformer(config: ModelConfig(modelType: "qwen2", vocabSize: 151_665, hiddenSize: 16, intermediateSize: 32,
                                                          numHiddenLayers: 1, numAttentionHeads: 2, numKeyValueHeads: 1,
                                                          tieWordEmbeddings: true, eosTokenIDs: [151_645]))
        transformer.initializeRandom(seed: 5)
        try transformer.save(directory: model)
        let source = Dispo.packageRoot.path + "/" + qwenTokenizer
        for name in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: model + "/" + name)
        }
        return model
    }

    func test_a_run_prepares_its_data_with_the_chat_template_and_reuses_the_cache() throws {
        let dir = try scratchDirectory()
        let model = try qwenModel(dir)
        let prepare = "{\"template\": \"chat\", \"system_prompt\": \"Solve it.\", \"cache\": \"\(dir)/cache\"}"
        let sets = ["model={\"path\": \"\(model)\"}", "tokenizer=\"\(model)\"", "sft=null",
                    "data={\"train\": \"Data/arithmetic/problems.jsonl\", \"eval\": \"Data/arithmetic/problems.jsonl\", \"eval_limit\": 2, \"prepare\": \(prepare)}",
                    "train.steps=1", "rollout.prompts_per_step=2", "rollout.group_size=2", "rollout.max_new_tokens=4",
                    "scoring.overlong=null", "train.mini_batches=1", "eval.samples=1"].flatMap { ["--set", $0] }
        let validate = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets, timeout: 120)
        XCTAssertEqual(validate.status, 0, validate.stderr)
        let first = try Dispo.run(["run", "Pipelines/smoke.json", "--run-dir", dir + "/a"] + sets, timeout: 300)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/a/final/model.safetensors"))
        // One prepared set (train and eval are the same file), rendered with the chat template.
        let prepared = try FileManager.default.contentsOfDirectory(atPath: dir + "/cache")
        XCTAssertEqual(prepared.count, 1, "\(prepared)")
        let set = try ShardSet(directory: dir + "/cache/" + prepared[0])
        XCTAssertEqual(set.count, 1000)
        XCTAssertEqual(set.manifest.info["template"], "chat")
        let tokenizer = try TokenizerLoader.load(model)
        let prompt = try tokenizer.decode(try set.record(at: 0).tokens, skipSpecialTokens: false)
        XCTAssertTrue(prompt.hasPrefix("<|im_start|>system\nSolve it.<|im_end|>\n<|im_start|>user\n"), prompt)
        XCTAssertTrue(prompt.hasSuffix("<|im_end|>\n<|im_start|>assistant\n"), prompt)
        // validate prepared it already; the runs found it in the cache.
        XCTAssertTrue(validate.stderr.contains("prepared Data/arithmetic/problems.jsonl"), validate.stderr)
        XCTAssertFalse(first.stderr.contains("prepared "), first.stderr)
        // Settings that cannot work name their place.
        let badTemplate = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "data.prepare.template=\"jinja\""])
        XCTAssertNotEqual(badTemplate.status, 0)
        XCTAssertTrue(badTemplate.stderr.contains("$.data.prepare.template"), badTemplate.stderr)
        let missing = try Dispo.run(["validate", "Pipelines/smoke.json"] + sets + ["--set", "data.train=\"\(dir)/none.jsonl\""])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("$.data.train") && missing.stderr.contains("a dataset file"), missing.stderr)
    }
}
