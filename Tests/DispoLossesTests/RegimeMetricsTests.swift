// The regime metrics of docs/METRICS.md on small hand-computed batches: clip shares per regime (over that
// regime's tokens), ratio quantiles per sign, mean |log r|, mean |w − r|, the share of A = 0 tokens, the
// clip tolerance at ε = 0, which metrics each loss logs, and which regimes cannot clip.
import DispoLosses
import XCTest

final class RegimeMetricsTests: XCTestCase {
    /// docs/ALGORITHMS.md's 2 × 4 vector batch: log r = [0, 0.5, −0.5, 0.1 | 0.3, −0.4, 1.5, (masked)],
    /// r = [1, 1.648721, 0.606531, 1.105171 | 1.349859, 0.670320, 4.481689], A = 1.5 | −0.5.
    let batch = AlgorithmVectorTests.batch

    func metrics(_ loss: PolicyLoss, _ batch: PolicyBatch? = nil) throws -> [String: Double] {
        let b = batch ?? self.batch
        return try PolicyObjective(loss: loss).evaluate(b, scale: AggregationScale(mode: .tokenMean, batches: [b])).metrics.values
    }

    func test_clip_shares_are_over_each_regimes_own_tokens() throws {
        // Bounds [0.8, 1.28] for A > 0 and [0.8, 3] for A < 0: each regime clips exactly one token.
        // R1 (A>0, r>1): r = 1.65, 1.11 → 1 of 2. R2 (A>0, r<1): 0.61 → 1 of 1 (r = 1 is in no regime).
        // R3 (A<0, r>1): 1.35, 4.48 → 1 of 2. R4 (A<0, r<1): 0.67 → 1 of 1.
        let m = try metrics(.dispo(DISPOConfig(epsPosLow: 0.2, epsPosHigh: 0.28, epsNegLow: 0.2, epsNegHigh: 2.0)))
        XCTAssertEqual(m["dispo/clip_share_pos_high"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m["dispo/clip_share_pos_low"]!, 1, accuracy: 1e-12)
        XCTAssertEqual(m["dispo/clip_share_neg_high"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(m["dispo/clip_share_neg_low"]!, 1, accuracy: 1e-12)
        // The older fractions stay over all 7 loss tokens.
        XCTAssertEqual(m["dispo/clipfrac_neg_low"]!, 1.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(m["dispo/eps_neg_high"]!, 2, accuracy: 1e-12)
        XCTAssertEqual(m["dispo/eps_pos_high"]!, Double(Float(0.28)), accuracy: 1e-12)
    }

    func test_ratio_statistics_by_hand() throws {
        let m = try metrics(.dispo(DISPOConfig(epsPosLow: 0.2, epsPosHigh: 0.28, epsNegLow: 0.2, epsNegHigh: 2.0)))
        // A > 0 sorted: 0.606531, 1, 1.105171, 1.648721. p50: h = 1.5 → 1 + 0.5·0.105171 = 1.052585.
        // p01: h = 0.03 → 0.606531 + 0.03·0.393469 = 0.618335. p99: h = 2.97 → 1.105171 + 0.97·0.543550 = 1.632415.
        XCTAssertEqual(m["dispo/ratio_pos_p50"]!, 1.052585, accuracy: 1e-6)
        XCTAssertEqual(m["dispo/ratio_pos_p01"]!, 0.618335, accuracy: 1e-6)
        XCTAssertEqual(m["dispo/ratio_pos_p99"]!, 1.632415, accuracy: 1e-6)
        // A < 0 sorted: 0.670320, 1.349859, 4.481689. p50 = 1.349859; p01: h = 0.02 → 0.670320 + 0.02·0.679539 = 0.683911.
        XCTAssertEqual(m["dispo/ratio_neg_p50"]!, 1.349859, accuracy: 1e-6)
        XCTAssertEqual(m["dispo/ratio_neg_p01"]!, 0.683911, accuracy: 1e-6)
        // mean |log r| = (0 + 0.5 + 0.5 + 0.1 + 0.3 + 0.4 + 1.5) / 7.
        XCTAssertEqual(m["dispo/abs_log_ratio_mean"]!, 3.3 / 7, accuracy: 1e-6)
        // mean |w − r| over A ≠ 0 tokens: (0.368721 + 0.193469 + 0.129680 + 1.481689) / 7.
        XCTAssertEqual(m["dispo/weight_gap_mean"]!, 2.173559 / 7, accuracy: 1e-6)
        XCTAssertEqual(m["dispo/zero_adv_share"]!, 0, accuracy: 1e-12)
    }

    func test_zero_advantage_share_and_quantiles_leave_out_a_zero_tokens() throws {
        var b = batch
        b.advantages = [0, -0.5]
        let m = try metrics(.dispo(DISPOConfig()), b)
        XCTAssertEqual(m["dispo/zero_adv_share"]!, 4.0 / 7, accuracy: 1e-12)
        XCTAssertNil(m["dispo/ratio_pos_p50"], "no A > 0 tokens, no quantiles")
        XCTAssertEqual(m["dispo/ratio_neg_p50"]!, 1.349859, accuracy: 1e-6)
        // Regime tokens are A < 0 only: R1 and R2 have none and report 0 of 0.
        XCTAssertEqual(m["dispo/clip_share_pos_high"]!, 0)
    }

    func test_ratio_a_hair_off_one_is_not_clipped_at_epsilon_zero() throws {
        // ε = 0 everywhere: the bound is 1. log r = ±1e-5 moves the weight by 1e-5 (< 1e-3·r): not clipped;
        // log r = ±0.01 moves it by 1%: clipped.
        let tight = PolicyLoss.dispo(DISPOConfig(epsPosLow: 0, epsPosHigh: 0, epsNegLow: 0, epsNegHigh: 0))
        let hair = PolicyBatch(logProbs: [-1, -1, -1, -1], oldLogProbs: [-1.00001, -0.99999, -1.00001, -0.99999], mask: [1, 1, 1, 1],
                               sequenceStarts: [0, 2, 4], advantages: [1, -1])
        let m = try metrics(tight, hair)
        for regime in ClipRegime.allCases { XCTAssertEqual(m["dispo/clip_share_" + regime.key]!, 0, regime.key) }
        let real = PolicyBatch(logProbs: [-1, -1, -1, -1], oldLogProbs: [-1.01, -0.99, -1.01, -0.99], mask: [1, 1, 1, 1],
                               sequenceStarts: [0, 2, 4], advantages: [1, -1])
        let n = try metrics(tight, real)
        for regime in ClipRegime.allCases { XCTAssertEqual(n["dispo/clip_share_" + regime.key]!, 1, regime.key) }
        // The loss itself still clips exactly: the tolerance is only in what the metrics count.
        let out = try PolicyObjective(loss: tight).evaluate(hair, scale: AggregationScale(mode: .tokenMean, batches: [hair]))
        XCTAssertEqual(out.logProbCoefficients, [-0.25, -0.25, 0.25, 0.25])
    }

    func test_ppo_clip_logs_its_clip_fraction_by_sign_and_no_dispo_regime_metrics() throws {
        // PPO-clip 0.2/0.2: the clipped branch is active for token 1 (A>0, r = 1.65) and token 5 (A<0, r = 0.67).
        let m = try metrics(.ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.2, dualClip: 3)))
        XCTAssertEqual(m["actor/pg_clipfrac_pos"]!, 1.0 / 4, accuracy: 1e-12)
        XCTAssertEqual(m["actor/pg_clipfrac_neg"]!, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m["actor/pg_clipfrac"]!, 2.0 / 7, accuracy: 1e-12)
        let dispoKeys = m.keys.filter { $0.hasPrefix("dispo/clip") || $0.hasPrefix("dispo/eps") || $0.contains("weight") }
        XCTAssertEqual(dispoKeys, [], "PPO-clip must not log the weight-clipping metrics")
        XCTAssertNotNil(m["dispo/ratio_neg_p99"], "ratio statistics describe the batch and are logged for every loss")
    }

    func test_each_loss_logs_only_its_own_clip_metrics() throws {
        let reinforce = try metrics(.reinforce(ReinforceConfig()))
        XCTAssertTrue(reinforce.keys.allSatisfy { !$0.contains("clip") && !$0.contains("weight") }, "\(reinforce.keys.sorted())")
        let cispo = try metrics(.cispo(CISPOConfig(epsLow: 1, epsHigh: 2)))
        XCTAssertNil(cispo["actor/pg_clipfrac"])
        XCTAssertNil(cispo["dispo/masked_frac"], "CISPO has no mask_outside")
        // CISPO's bounds [0, 3]: only R3's r = 4.48 is clipped, of R3's two tokens; ε logged per regime.
        XCTAssertEqual(cispo["dispo/clip_share_neg_high"]!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(cispo["dispo/clip_share_pos_low"]!, 0)
        XCTAssertEqual(cispo["dispo/eps_pos_low"]!, 1)
        XCTAssertEqual(cispo["dispo/eps_neg_high"]!, 2)
        XCTAssertNotNil(try metrics(.dispo(DISPOConfig()))["dispo/masked_frac"])
    }

    func test_regimes_that_cannot_clip() {
        XCTAssertFalse(ClipRegime.negLow.canClip(epsilon: 1), "ε_low = 1: bound 0, and r > 0")
        XCTAssertNotNil(ClipRegime.negLow.cannotClipReason(epsilon: 1))
        XCTAssertTrue(ClipRegime.negLow.canClip(epsilon: 0.99))
        XCTAssertTrue(ClipRegime.negHigh.canClip(epsilon: 4), "r > 5 is rare but possible")
        XCTAssertFalse(ClipRegime.posHigh.canClip(epsilon: 1e9), "above e^20, the largest ratio")
        XCTAssertNil(ClipRegime.posHigh.cannotClipReason(epsilon: 10))
        XCTAssertEqual(ClipRegime.of(advantage: -1, ratio: 0.5), .negLow)
        XCTAssertNil(ClipRegime.of(advantage: 1, ratio: 1))
        XCTAssertNil(ClipRegime.of(advantage: 0, ratio: 2))
    }

    func test_quantile_interpolates_between_ranks() {
        XCTAssertEqual(LossMetrics.quantile(sorted: [1, 2, 3, 4, 5], 0.5), 3)
        XCTAssertEqual(LossMetrics.quantile(sorted: [1, 2, 3, 4, 5], 0.99), 4.96, accuracy: 1e-12)
        XCTAssertEqual(LossMetrics.quantile(sorted: [7], 0.01), 7)
        var a = LossMetrics(), b = LossMetrics()
        a.addSamples("x", [5, 1])
        b.addSamples("x", [3])
        a.merge(b)
        XCTAssertEqual(a.values["x_p50"], 3)
    }
}
