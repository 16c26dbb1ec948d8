// Every shipped pipeline validates (the study's too, each differing from the study's base only in the settings
// its arm is about), and the Qwen2.5-Math-style one runs end to end on a random tiny qwen2 model (its real paths
// are placeholders, so the test points them at small local data).
import DispoEngine
import DispoPipeline
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

    /// Runs python3 with `arguments` from the package root.
    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = Dispo.packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
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
            // Real-shape pipelines name a config that Tools/make_shape_config.py writes (no download): make it here.
            if let range = text.range(of: #"runs/shapes/([a-z0-9.\-]+)\.json"#, options: .regularExpression) {
                let shape = String(text[range].dropFirst("runs/shapes/".count).dropLast(".json".count))
                let config = dir + "/" + shape + ".json"
                let made = try Self.python(["Tools/make_shape_config.py", shape, config])
                XCTAssertEqual(made.status, 0, "\(file): make_shape_config.py \(shape): \(made.output)")
                args += ["--set", "model.config=\"\(config)\""]
            }
            let run = try Dispo.run(args)
            XCTAssertEqual(run.status, 0, "\(file): \(run.stderr)")
        }
    }

    /// What each study arm may change relative to `Pipelines/study/dispo.json` (besides its name), as spec paths.
    static let studyArms: [String: [String]] = [
        "dispo": [], "cispo": ["algorithm.name"], "grpo": ["algorithm.name"], "reinforce": ["algorithm.name"],
        "dapo": ["algorithm.name", "dynamic_sampling", "scoring.overlong"],
        "dapo-matched": ["algorithm.name", "dynamic_sampling", "scoring.overlong", "rollout.prompts_per_step",
                         "rollout.gen_batch_prompts", "train.mini_batches"],
        "r1-tight": ["algorithm.loss.eps_pos_high"], "r2-tight": ["algorithm.loss.eps_pos_low"],
        "r3-tight": ["algorithm.loss.eps_neg_high"], "r4-tight": ["algorithm.loss.eps_neg_low"],
        "eps-pos-high-1": ["algorithm.loss.eps_pos_high"], "eps-pos-high-10": ["algorithm.loss.eps_pos_high"],
        "eps-pos-low-1": ["algorithm.loss.eps_pos_low"], "adaptive": ["algorithm.adaptive_clip"],
        "on-policy": ["rollout.max_staleness", "train.mini_batches"],
    ]

    func test_study_pipelines_validate_and_differ_from_the_base_only_in_their_arm() throws {
        let dir = try shards()
        let study = Dispo.packageRoot.path + "/Pipelines/study"
        let files = try FileManager.default.contentsOfDirectory(atPath: study).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(Set(files.map { String($0.dropLast(5)) }), Set(Self.studyArms.keys))
        let base = try PipelineSpec.load(study + "/dispo.json", checkFiles: false)
        XCTAssertEqual(base.rollout.maxStaleness, 4, "the study's base is off-policy")
        XCTAssertEqual(base.train.miniBatches, 8)
        XCTAssertEqual(base.optimizer.lr, 1e-4)
        for file in files {
            let arm = String(file.dropLast(5))
            let run = try Dispo.run(["validate", "Pipelines/study/" + file] + dataOverrides(dir))
            XCTAssertEqual(run.status, 0, "\(file): \(run.stderr)")
            let spec = try PipelineSpec.load(study + "/" + file, checkFiles: false)
            XCTAssertEqual(spec.name, arm, "the arm's name is its file name")
            // An arm that writes its loss out is compared with the base's preset loss written out.
            var a = base
            if spec.algorithm.loss != nil { a.algorithm.loss = a.algorithm.name.loss }
            (a.name, a.runDir) = (spec.name, spec.runDir)
            let changed = try SpecDiff.paths(a, spec)
            let allowed = Self.studyArms[arm] ?? []
            XCTAssertTrue(changed.allSatisfy { SpecDiff.isAllowed($0, by: allowed) }, "\(file) also changes \(changed)")
            XCTAssertFalse(arm != "dispo" && changed.isEmpty, "\(file) is the base again")
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
