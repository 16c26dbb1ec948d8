// The contract every policy loss keeps: zero advantage → zero gradient; masked tokens are ignored;
// r ≡ 1 → nothing clipped; micro-batch accumulation equals the unsplit mini-batch.
import DispoLosses
import DispoSupport
import XCTest

final class LossContractTests: XCTestCase {
    static let losses: [PolicyLoss] = [
        .dispo(DISPOConfig()), .dispo(DISPOConfig(epsPosLow: 0.1, epsPosHigh: 0.1, epsNegLow: 0.1, epsNegHigh: 0.1, maskOutside: true)),
        .cispo(CISPOConfig()), .ppoClip(PPOClipConfig()), .ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.28)),
        .reinforce(ReinforceConfig()),
    ]

    /// A random batch of `sequences` responses with 1–9 tokens each.
    static func randomBatch(seed: UInt64, sequences: Int = 6, sameOld: Bool = false) -> PolicyBatch {
        var rng = SplitMix64(seed: seed)
        func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(rng.next() >> 40) / Float(1 << 24) }
        var starts = [0], logp: [Float] = [], old: [Float] = [], mask: [Float] = [], adv: [Float] = []
        for _ in 0..<sequences {
            let length = rng.within(1...9)
            for _ in 0..<length {
                let l = uniform(-4, -0.05)
                logp.append(l)
                old.append(sameOld ? l : l + uniform(-1.5, 1.5))
                mask.append(rng.below(5) == 0 ? 0 : 1)
            }
            starts.append(logp.count)
            adv.append(uniform(-2, 2))
        }
        return PolicyBatch(logProbs: logp, oldLogProbs: old, mask: mask, sequenceStarts: starts, advantages: adv,
                           correct: adv.map { $0 > 0 }, entropies: logp.map { -$0 * 0.7 }, refLogProbs: old.map { $0 - 0.1 })
    }

    func test_zero_advantage_gives_zero_gradient() throws {
        for loss in Self.losses {
            for mode in AggregationMode.allCases {
                var batch = Self.randomBatch(seed: 1)
                batch.advantages = batch.advantages.map { _ in 0 }
                let out = try PolicyObjective(loss: loss, aggregation: mode)
                    .evaluate(batch, scale: AggregationScale(mode: mode, batches: [batch], constant: 9))
                XCTAssertTrue(out.logProbCoefficients.allSatisfy { $0 == 0 }, "\(loss.kind) \(mode)")
                XCTAssertEqual(out.loss, 0, "\(loss.kind) \(mode)")
            }
        }
    }

    func test_masked_tokens_are_ignored() throws {
        for loss in Self.losses {
            let batch = Self.randomBatch(seed: 2)
            var changed = batch
            for t in 0..<batch.tokenCount where batch.mask[t] == 0 {
                changed.logProbs[t] = -9
                changed.oldLogProbs[t] = -0.01
            }
            let objective = PolicyObjective(loss: loss, aggregation: .seqMeanTokenMean)
            let scale = AggregationScale(mode: .seqMeanTokenMean, batches: [batch])
            let a = try objective.evaluate(batch, scale: scale), b = try objective.evaluate(changed, scale: scale)
            XCTAssertEqual(a.loss, b.loss, "\(loss.kind)")
            XCTAssertEqual(a.logProbCoefficients, b.logProbCoefficients, "\(loss.kind)")
            for t in 0..<batch.tokenCount where batch.mask[t] == 0 { XCTAssertEqual(a.logProbCoefficients[t], 0) }
        }
    }

    func test_ratio_one_clips_nothing() throws {
        for loss in Self.losses {
            let batch = Self.randomBatch(seed: 3, sameOld: true)
            let out = try PolicyObjective(loss: loss).evaluate(batch, scale: AggregationScale(mode: .tokenMean, batches: [batch]))
            let m = out.metrics.values
            // A loss logs only its own clip metrics; those it logs are 0.
            for name in ["actor/pg_clipfrac", "actor/pg_clipfrac_lower", "actor/pg_clipfrac_pos", "actor/pg_clipfrac_neg",
                         "dispo/clipfrac_pos_high", "dispo/clipfrac_pos_low", "dispo/clipfrac_neg_high", "dispo/clipfrac_neg_low",
                         "dispo/clip_share_pos_high", "dispo/clip_share_pos_low", "dispo/clip_share_neg_high",
                         "dispo/clip_share_neg_low", "dispo/masked_frac", "dispo/weight_gap_mean"] {
                XCTAssertEqual(m[name] ?? 0, 0, "\(loss.kind) \(name)")
            }
        }
    }

    func test_micro_batches_add_up_to_the_mini_batch() throws {
        let whole = Self.randomBatch(seed: 4, sequences: 8)
        // Split the same sequences into micro-batches of 3, 1 and 4 sequences.
        var parts: [PolicyBatch] = []
        var first = 0
        for size in [3, 1, 4] {
            let range = whole.sequenceStarts[first]..<whole.sequenceStarts[first + size]
            let starts = whole.sequenceStarts[first...(first + size)].map { $0 - range.lowerBound }
            parts.append(PolicyBatch(logProbs: Array(whole.logProbs[range]), oldLogProbs: Array(whole.oldLogProbs[range]),
                                     mask: Array(whole.mask[range]), sequenceStarts: starts,
                                     advantages: Array(whole.advantages[first..<(first + size)]),
                                     entropies: Array(whole.entropies![range]), refLogProbs: Array(whole.refLogProbs![range])))
            first += size
        }
        let regularizers = Regularizers(entropyCoefficient: 0.01, klCoefficient: 0.05, klEstimator: .k3)
        for loss in Self.losses {
            for mode in AggregationMode.allCases {
                let objective = PolicyObjective(loss: loss, aggregation: mode, regularizers: regularizers)
                let scale = AggregationScale(mode: mode, batches: parts, constant: 9)
                XCTAssertEqual(scale, AggregationScale(mode: mode, batches: [whole], constant: 9))
                let full = try objective.evaluate(whole, scale: scale)
                let split = try parts.map { try objective.evaluate($0, scale: scale) }
                XCTAssertEqual(split.reduce(0) { $0 + $1.loss }, full.loss, accuracy: 1e-9, "\(loss.kind) \(mode)")
                XCTAssertEqual(split.flatMap(\.logProbCoefficients), full.logProbCoefficients, "\(loss.kind) \(mode)")
                XCTAssertEqual(split.flatMap { $0.entropyCoefficients! }, full.entropyCoefficients!, "\(loss.kind) \(mode)")
                var merged = LossMetrics()
                split.forEach { merged.merge($0.metrics) }
                for (name, value) in full.metrics.values {
                    XCTAssertEqual(merged.values[name]!, value, accuracy: 1e-9, "\(loss.kind) \(mode) \(name)")
                }
            }
        }
    }

    func test_configs_decode_from_json_names_and_reject_bad_values() throws {
        let json = #"{"kind": "dispo", "eps_pos_low": 0.1, "eps_neg_high": 3, "split_by": "correctness"}"#
        let loss = try StrictJSONDecoder().decode(PolicyLoss.self, fromText: json)
        XCTAssertEqual(loss, .dispo(DISPOConfig(epsPosLow: 0.1, epsNegHigh: 3, splitBy: .correctness)))
        let encoded = try JSONWriter.encode(loss)
        XCTAssertEqual(try StrictJSONDecoder().decode(PolicyLoss.self, fromText: encoded), loss)
        XCTAssertThrowsError(try StrictJSONDecoder().decode(PolicyLoss.self, fromText: #"{"kind": "ppo"}"#)) { error in
            XCTAssertTrue("\(error)".contains("dispo, cispo, ppo-clip, reinforce"), "\(error)")
        }
        XCTAssertThrowsError(try PolicyLoss.dispo(DISPOConfig(epsPosLow: -0.1)).validate()) { error in
            XCTAssertTrue("\(error)".contains("eps_pos_low"), "\(error)")
        }
        XCTAssertThrowsError(try PolicyLoss.ppoClip(PPOClipConfig(dualClip: 1)).validate())
        XCTAssertEqual(PolicyLossKind.allCases.map(\.rawValue), ["dispo", "cispo", "ppo-clip", "reinforce"])
    }
}

import Foundation
