// `rollout.prefill_precision`: "bf16" runs the local sampler's prompt tokens through bf16 products (over the
// sampler's own model and over packed sampler weights refreshed each step), and such runs complete every step.
// The key is validated (unknown values, server backends, machines without bf16 products) and, when absent,
// leaves the spec's canonical JSON as before it existed.
import DispoEngine
import DispoPipeline
import DispoSupport
import XCTest

final class PrefillPrecisionRunTests: XCTestCase {
    func test_the_key_is_validated_and_absent_by_default() throws {
        let fixture = try PipelineFixture(test: self)
        var cases: [([String], String)] = [
            (["rollout.prefill_precision=f16"], "$.rollout.prefill_precision"),
            (["rollout.prefill_precision=bf16",
              "rollout.backend={\"kind\": \"sglang\", \"urls\": [\"http://127.0.0.1:1\"]}"], "$.rollout.prefill_precision"),
        ]
        if PrefillPrecision.bf16.unavailability != nil { cases.append((["rollout.prefill_precision=bf16"], "$.rollout.prefill_precision")) }
        for (overrides, place) in cases {
            XCTAssertThrowsError(try fixture.spec(overrides), "\(overrides)") { error in
                XCTAssertTrue((error as? InputError)?.place?.hasPrefix(place) ?? false, "\(overrides): \(error)")
            }
        }
        XCTAssertEqual(try fixture.spec().rollout.prefillPrecision, .f32)
        XCTAssertFalse(try RunContext.canonicalJSON(try fixture.spec()).contains("prefill_precision"))
        if PrefillPrecision.bf16.unavailability == nil {
            let spec = try fixture.spec(["rollout.prefill_precision=bf16"])
            XCTAssertEqual(spec.rollout.prefillPrecision, .bf16)
            XCTAssertTrue(try RunContext.canonicalJSON(spec).contains("\"prefill_precision\" : \"bf16\""))
        }
    }

    func test_runs_with_bf16_prefill_complete_on_both_sampler_paths() async throws {
        // Where bf16 products cannot run, such a spec is refused before any work (the validation test checks it).
        if let why = PrefillPrecision.bf16.unavailability { throw XCTSkip("bf16 prefill runs: \(why)") }
        for extra in [[], ["rollout.sampler_weights=packed-bf16"]] {
            let fixture = try PipelineFixture(test: self)
            let spec = try fixture.spec(["rollout.prefill_precision=bf16", "eval.every=0"] + extra)
            let summary = try await PipelineRun(context: try RunContext(spec: spec)).run(resume: false)
            XCTAssertEqual(summary.steps, spec.train.steps, "\(extra)")
            XCTAssertGreaterThan(spec.train.steps, 0)
            XCTAssertTrue(FileManager.default.fileExists(atPath: spec.runDir + "/final/config.json"), "\(extra)")
        }
    }
}
