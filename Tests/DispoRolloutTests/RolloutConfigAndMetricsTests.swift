// rollout.backend decoding and validation through the strict decoder, the mismatch metrics on hand-checked
// numbers, and the raw-vs-processed log-prob checks.

import DispoEngine
import DispoRollout
import DispoSupport
import Foundation
import XCTest

final class RolloutConfigAndMetricsTests: XCTestCase {
    func test_kind_and_urls_alone_give_defaults_that_work_against_dispo_serve() throws {
        let c = try RolloutBackendConfig.decode(#"{"kind": "openai-completions", "urls": ["http://127.0.0.1:8001", "http://127.0.0.1:8002/"]}"#,
                                                file: "spec.json")
        XCTAssertEqual(c.syncMethod, .updateWeights)
        XCTAssertEqual(c.inFlightLimit, 16)
        XCTAssertEqual(c.logprobs, .processed)
        XCTAssertEqual(c.weightSync.every, 1)
        XCTAssertEqual(try RolloutBackendConfig.decode(#""local""#, file: "spec.json"), .local)
        XCTAssertEqual(try RolloutBackendConfig.decode(#"{"kind": "sglang", "urls": ["http://h:1"]}"#, file: "f").syncMethod, .updateWeightsFromDisk)
    }

    func test_config_errors_name_the_place_and_what_was_expected() throws {
        func message(_ text: String) -> String {
            do { _ = try RolloutBackendConfig.decode(text, file: "spec.json"); return "" } catch { return "\(error)" }
        }
        XCTAssertTrue(message(#"{"kind": "openai-completions", "urls": ["http://a:1"], "timeout": 3}"#).contains("$.timeout"))
        XCTAssertTrue(message(#"{"kind": "openai-completions", "urls": ["http://a:1"], "timeout": 3}"#).contains("timeout_s"))
        XCTAssertTrue(message(#"{"kind": "openai-completions", "urls": []}"#).contains("$.urls"))
        XCTAssertTrue(message(#"{"kind": "openai-completions", "urls": ["a:1/v1"]}"#).contains("$.urls[0]"))
        XCTAssertTrue(message(#"{"kind": "vllm", "urls": ["http://a:1"]}"#).contains("openai-completions"))
        XCTAssertTrue(message(#"{"kind": "sglang", "urls": ["http://a:1"], "weight_sync": {"method": "collective_rpc"}}"#)
            .contains("$.weight_sync.method"))
        XCTAssertTrue(message(#"{"kind": "openai-completions", "urls": ["http://a:1"], "weight_sync": {"evry": 2}}"#).contains("every"))
        XCTAssertTrue(message(#""remote""#).contains("\"local\""))
    }

    func test_mismatch_metrics_match_hand_computed_values() throws {
        // δ = trainer − sampler: 0, ln 1.5, −ln 4 (ratios 1, 1.5, 1/4)
        let sampler: [[Float]] = [[-1, -2], [-0.5]]
        let trainer: [[Float]] = [[-1, -2 + Float(log(1.5))], [-0.5 - Float(log(4.0))]]
        let m = try MismatchMetrics.compute(sampler: sampler, trainer: trainer)
        let d = [0, Double(Float(-2 + Float(log(1.5))) + 2), Double(Float(-0.5 - Float(log(4.0))) + 0.5)]
        XCTAssertEqual(m.tokens, 3)
        XCTAssertEqual(m.meanAbsDiff, d.map(abs).reduce(0, +) / 3, accuracy: 1e-6)
        XCTAssertEqual(m.kl, d.map { exp($0) - 1 - $0 }.reduce(0, +) / 3, accuracy: 1e-6)
        XCTAssertEqual(m.ratioOutside, 1.0 / 3, accuracy: 1e-12, "ratio 1.5 is inside [0.5, 2], 1/4 is outside")
        XCTAssertEqual(m.named.map(\.0), ["rollout/mismatch_kl", "rollout/mismatch_abs_logp", "rollout/mismatch_ratio_out"])
        XCTAssertThrowsError(try MismatchMetrics.compute(sampler: [[1, 2]], trainer: [[1]]))
    }

    /// Log-probs of the chosen tokens of random logits at temperature t.
    func logProbs(_ logits: [[Float]], _ chosen: [Int], t: Float) -> [Float] {
        zip(logits, chosen).map { row, c in
            let m = row.max()!
            let sum = row.reduce(0.0) { $0 + exp(Double(($1 - m) / t)) }
            return Float(Double((row[c] - m) / t) - log(sum))
        }
    }

    func test_raw_logprobs_at_a_temperature_other_than_one_are_caught_and_explained() throws {
        var rng = SplitMix64(seed: 5)
        let logits = (0..<200).map { _ in (0..<16).map { _ in Float(rng.next() % 1000) / 200 } }
        let chosen = logits.map { _ in Int(rng.next() % 16) }
        let tempered = [logProbs(logits, chosen, t: 0.6)], raw = [logProbs(logits, chosen, t: 1)]
        // A server that returns raw log-probs: caught, with or without the learner's temperature-1 values
        let withRaw = try LogProbSemantics.diagnose(sampler: raw, trainer: tempered, trainerAtTemperatureOne: raw, temperature: 0.6)
        XCTAssertTrue(withRaw?.contains("raw log-probs") ?? false, withRaw ?? "nil")
        let alone = try LogProbSemantics.diagnose(sampler: raw, trainer: tempered, temperature: 0.6)
        XCTAssertTrue(alone?.contains("--logprobs-mode processed_logprobs") ?? false, alone ?? "nil")
        // The right kind passes
        XCTAssertNil(try LogProbSemantics.diagnose(sampler: tempered, trainer: tempered, trainerAtTemperatureOne: raw, temperature: 0.6))
        // And the settings check refuses raw at τ ≠ 1 unless old log-probs are recomputed
        var config = RolloutBackendConfig(kind: .openaiCompletions, urls: ["http://a:1"])
        config.logprobs = .raw
        XCTAssertThrowsError(try LogProbSemantics.check(config, temperature: 0.6, topP: 1, topK: 0, recomputeOldLogProbs: false))
        XCTAssertEqual(try LogProbSemantics.check(config, temperature: 0.6, topP: 1, topK: 0, recomputeOldLogProbs: true), [])
        XCTAssertEqual(try LogProbSemantics.check(config, temperature: 1, topP: 1, topK: 0, recomputeOldLogProbs: false), [])
        config.logprobs = .processed
        XCTAssertEqual(try LogProbSemantics.check(config, temperature: 0.6, topP: 0.9, topK: 0, recomputeOldLogProbs: false).count, 1)
    }
}
