// The lean pipeline configuration (docs/ENGINE.md, "A 1.5B pipeline in 24 GiB") at tiny size: the sampler
// samples from bf16 DecodeWeights refreshed from the learner's parameters, AdamW keeps bf16 moments and the
// learner recomputes activations. The policy store holds no fp32 copy of any version; each checkpoint keeps the
// sampler's packed weights of exactly the version the next step needs; runs stopped after any step resume to
// the uninterrupted run's weights bit for bit; the spec's new keys are validated.
import DispoEngine
import DispoPipeline
import DispoShards
import DispoSupport
import DispoTokenizers
import DispoVerifier
import Synchronization
import XCTest

final class PackedSamplerRunTests: XCTestCase {
    static let lean = ["rollout.sampler_weights=packed-bf16", "optimizer.adam_moments=bf16",
                       "train.recompute_activations=true", "eval.every=0"]

    /// Verdicts fixed by the response's tokens, about a third correct, so groups have mixed rewards and every
    /// step changes the weights (the random model never answers right, and equal rewards give no gradient).
    static let mixedScoring: ResponseScoring = { result, problem, _ in
        var score = ResponseScorer().score(response: "", gold: problem.answer)
        score.verdict.correct = (problem.index + result.tokens.reduce(0) { $0 + Int($1) }) % 3 == 0
        score.reward = score.verdict.correct ? 1 : -1
        return ScoredResponse(tokens: result.tokens, logProbs: result.logProbs, stopped: result.finishReason == .stop, score: score)
    }

    private func finalWeights(_ spec: PipelineSpec) throws -> [Float] {
        let model = try Transformer.load(directory: spec.runDir + "/final")
        return Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount))
    }

    /// Runs `spec`; with `stopAfter`, raises the stop flag when step `stopAfter` is logged. Returns the most
    /// floats the policy store held at any logged step.
    private func run(_ spec: PipelineSpec, resume: Bool = false, stopAfter: Int? = nil) async throws -> Int {
        let stop = StopFlag()
        let held = Mutex(0)
        let box = RunBox()
        let run = PipelineRun(context: try RunContext(spec: spec), stop: stop) { line in
            if let floats = box.run?.policyStore?.floatsHeld { held.withLock { $0 = max($0, floats) } }
            if let stopAfter, line.hasPrefix("step \(stopAfter)/") { stop.raise() }
        }
        box.run = run
        run.scoringOverride = Self.mixedScoring
        _ = try await run.run(resume: resume)
        return held.withLock { $0 }
    }

    func test_lean_run_holds_no_float_versions_and_checkpoints_the_samplers_version() async throws {
        let fixture = try PipelineFixture(test: self)
        let spec = try fixture.spec(Self.lean)
        XCTAssertEqual(spec.rollout.packedSamplerPrecision, .bf16)
        XCTAssertEqual(spec.learnerConfig().optimizer.adamw.momentPrecision, .bf16)
        let held = try await run(spec)
        XCTAssertEqual(held, 0, "fp32 versions held by the policy store")
        // Given staleness 1, checkpoint S (S < 3) keeps the sampler's weights of version S − 1 and no fp32 copy.
        let checkpoints = spec.runDir + "/checkpoints/"
        for steps in 0...3 {
            let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints + Checkpoints.name(steps))
            XCTAssertFalse(files.contains { $0.hasSuffix(".f32") }, "step \(steps): \(files)")
            let expected = (1...2).contains(steps) ? [String(format: "version-%06d.decode", steps - 1)] : []
            XCTAssertEqual(files.filter { $0.hasSuffix(".decode") }, expected, "step \(steps)")
        }
        // The sampler refreshed from version 1 (the learner's weights after step 1) before the learner changed them.
        let version1 = try Transformer.load(directory: checkpoints + Checkpoints.name(1))
        let packed = try DecodeWeights.load(path: checkpoints + Checkpoints.name(2) + "/version-000001.decode",
                                            config: version1.config, precision: .bf16)
        let expected = DecodeWeights(model: version1, precision: .bf16)
        let scratch = fixture.dir + "/expected.decode"
        try expected.save(path: scratch)
        try packed.save(path: scratch + "2")
        XCTAssertEqual(FileManager.default.contents(atPath: scratch), FileManager.default.contents(atPath: scratch + "2"))
    }

    func test_lean_runs_stopped_after_any_step_resume_to_identical_weights() async throws {
        let fixture = try PipelineFixture(test: self)
        let reference = try fixture.spec(Self.lean, name: "reference")
        _ = try await run(reference)
        let expected = try finalWeights(reference)
        // The lean configuration changes results (bf16 sampling and moments): it is not the default run.
        let exact = try fixture.spec(["eval.every=0"], name: "exact")
        _ = try await run(exact)
        XCTAssertTrue(try finalWeights(exact) != expected)
        let initial = try Transformer.load(directory: fixture.dir + "/model")
        XCTAssertTrue(Array(UnsafeBufferPointer(start: initial.parameters.base, count: initial.parameterCount)) != expected,
                      "the run changed the weights")
        for stopAfter in [1, 2] {
            let spec = try fixture.spec(Self.lean, name: "stopped\(stopAfter)")
            _ = try await run(spec, stopAfter: stopAfter)
            XCTAssertFalse(FileManager.default.fileExists(atPath: spec.runDir + "/final"), "stopped after \(stopAfter)")
            let held = try await run(spec, resume: true)
            XCTAssertEqual(held, 0)
            XCTAssertTrue(try finalWeights(spec) == expected, "stopped after step \(stopAfter): weights differ")
        }
    }

    func test_sampled_ids_beyond_the_tokenizers_vocabulary_are_recorded() async throws {
        // Given a model with more rows than its tokenizer has tokens (random weights: padding ids get sampled)
        let fixture = try PipelineFixture(test: self, extraVocabulary: 400)
        let spec = try fixture.spec(Self.lean + ["train.steps=2"])
        // When the run ends, Then the recorder has kept every sampled id, some beyond the tokenizer's vocabulary.
        _ = try await run(spec)
        let rollouts = spec.runDir + "/rollouts"
        let sets = try FileManager.default.contentsOfDirectory(atPath: rollouts).filter { $0.hasPrefix("steps-") }
        XCTAssertFalse(sets.isEmpty)
        var largest: Int32 = 0
        for name in sets { try ShardSet(directory: rollouts + "/" + name).scan { _, r in largest = max(largest, r.tokens.max() ?? 0) } }
        let vocabulary = try TokenizerLoader.load(PipelineFixture.repo + "/Data/tokenizers/char").vocabularySize
        XCTAssertGreaterThanOrEqual(Int(largest), vocabulary)
    }

    func test_lean_keys_are_validated() throws {
        let fixture = try PipelineFixture(test: self)
        let cases: [([String], String)] = [
            (["rollout.sampler_weights=packed-bf16", "rollout.max_staleness=2"], "$.rollout.max_staleness"),
            (["rollout.sampler_weights=packed-f16"], "$.rollout.sampler_weights"),
            (["optimizer.adam_moments=f16"], "$.optimizer.adam_moments"),
            (["train.recompute_activations=sometimes"], "$.train.recompute_activations"),
            (["rollout.sampler_weights=packed-f32",
              "rollout.backend={\"kind\": \"sglang\", \"urls\": [\"http://127.0.0.1:1\"]}"], "$.rollout.sampler_weights"),
        ]
        for (overrides, place) in cases {
            XCTAssertThrowsError(try fixture.spec(overrides), "\(overrides)") { error in
                XCTAssertTrue((error as? InputError)?.place?.hasPrefix(place) ?? false, "\(overrides): \(error)")
            }
        }
        XCTAssertNil(try fixture.spec(["train.recompute_activations=\"auto\""]).train.recomputeActivations)
        XCTAssertEqual(try fixture.spec(["train.recompute_activations=false"]).train.recomputeActivations, false)
        // Absent keys leave the spec, its canonical JSON and hash as before the keys existed.
        let json = try RunContext.canonicalJSON(try fixture.spec())
        for key in ["sampler_weights", "adam_moments", "recompute_activations"] { XCTAssertFalse(json.contains(key), key) }
    }
}

private final class RunBox: @unchecked Sendable { var run: PipelineRun? }
