// The adaptive clipping schedule: the update rule by hand, its bounds, regimes it leaves alone, determinism,
// config validation, and DISPO's loss with the schedule's ε.
import DispoLosses
import DispoSupport
import XCTest

final class AdaptiveClippingTests: XCTestCase {
    let start = RegimeEpsilons(posLow: 0.2, posHigh: 0.28, negLow: 1.0, negHigh: 4.0)

    func shares(_ clip: [String: Double], present: Double = 0.1) -> [String: Double] {
        var m: [String: Double] = [:]
        for regime in ClipRegime.allCases {
            m["dispo/clip_share_" + regime.key] = clip[regime.key] ?? 0
            m["dispo/regime_share_" + regime.key] = present
        }
        return m
    }

    func test_update_moves_each_epsilon_toward_its_target_share() {
        var schedule = AdaptiveClipping(config: AdaptiveClipConfig(targets: ["pos_high": 0.05, "neg_low": 0.05], rate: 0.5),
                                        epsilons: start)
        // R1 clips 20% (too much): the bound 1.28 grows by f = ((0.2 + 0.001) / (0.05 + 0.001))^0.5 = 1.985251,
        // to 2.541121: ε⁺_high = 1.541121.
        // R4 clips nothing: its bound 1 − 0.99 = 0.01 (the ceiling of a low ε) rises by 1/f = (0.051 / 0.001)^0.5
        // = 7.141428, to 0.071414: ε⁻_low = 0.928586. (It starts at 1 and is first clamped to max_eps_low.)
        schedule.observe(shares(["pos_high": 0.2, "pos_low": 0.9]))
        XCTAssertEqual(Double(schedule.epsilons.posHigh), Double(Float(1.28)) * (0.201 / 0.051).squareRoot() - 1, accuracy: 1e-6)
        XCTAssertEqual(Double(schedule.epsilons.negLow), 1 - (1 - 0.99) * (0.051 / 0.001).squareRoot(), accuracy: 1e-5)
        // Uncontrolled regimes keep their ε whatever they clip.
        XCTAssertEqual(schedule.epsilons.posLow, 0.2)
        XCTAssertEqual(schedule.epsilons.negHigh, 4.0)
        // On target: no change.
        let before = schedule.epsilons
        schedule.observe(shares(["pos_high": 0.05, "neg_low": 0.05]))
        XCTAssertEqual(schedule.epsilons, before)
    }

    func test_epsilons_stay_within_their_bounds() {
        var schedule = AdaptiveClipping(config: AdaptiveClipConfig(targets: ["pos_high": 0.01, "pos_low": 0.5, "neg_low": 0.01],
                                                                   rate: 1, minEps: 0.05, maxEpsHigh: 2),
                                        epsilons: start)
        for _ in 0..<50 { schedule.observe(shares(["pos_high": 0.9, "pos_low": 0, "neg_low": 0.9])) }
        XCTAssertEqual(schedule.epsilons.posHigh, 2, accuracy: 1e-6, "capped at max_eps_high")
        XCTAssertEqual(schedule.epsilons.posLow, 0.05, accuracy: 1e-6, "floored at min_eps")
        XCTAssertEqual(schedule.epsilons.negLow, 0.99, accuracy: 1e-6, "a low-side ε stops at max_eps_low, below 1")
        XCTAssertTrue(ClipRegime.negLow.canClip(epsilon: schedule.epsilons.negLow), "a controlled regime can always clip")
    }

    func test_a_regime_absent_from_the_step_keeps_its_epsilon() {
        var schedule = AdaptiveClipping(config: AdaptiveClipConfig(targets: ["neg_high": 0.02]), epsilons: start)
        schedule.observe(shares([:], present: 0))
        XCTAssertEqual(schedule.epsilons, start)
        schedule.observe([:])
        XCTAssertEqual(schedule.epsilons, start)
    }

    func test_the_same_metrics_give_the_same_epsilons_bit_for_bit() {
        let config = AdaptiveClipConfig(targets: ["pos_high": 0.02, "pos_low": 0.02, "neg_high": 0.02, "neg_low": 0.02])
        var a = AdaptiveClipping(config: config, epsilons: start)
        var b = a
        var rng = SplitMix64(seed: 7)
        var trace: [[String: Double]] = []
        for _ in 0..<30 {
            trace.append(shares(Dictionary(uniqueKeysWithValues: ClipRegime.allCases.map { ($0.key, Double(rng.below(100)) / 100) })))
        }
        for m in trace { a.observe(m) }
        // Resuming from a copy of the state after 10 steps (what a checkpoint holds) ends identically.
        for m in trace[..<10] { b.observe(m) }
        var resumed = AdaptiveClipping(config: config, epsilons: b.epsilons)
        for m in trace[10...] { resumed.observe(m) }
        XCTAssertEqual(resumed.epsilons, a.epsilons)
    }

    func test_config_decodes_and_rejects_bad_values() throws {
        let json = #"{"targets": {"pos_high": 0.02, "neg_low": 0.05}, "rate": 0.2}"#
        let config = try StrictJSONDecoder().decode(AdaptiveClipConfig.self, fromText: json)
        XCTAssertEqual(config, AdaptiveClipConfig(targets: ["pos_high": 0.02, "neg_low": 0.05], rate: 0.2))
        XCTAssertEqual(config.controlled.map(\.0), [.posHigh, .negLow])
        XCTAssertNoThrow(try config.validate())
        for (bad, expected) in [(AdaptiveClipConfig(targets: ["neg_lo": 0.1]), "targets.neg_lo: expected one of pos_high"),
                                (AdaptiveClipConfig(targets: ["neg_low": 1]), "clip share in (0, 1)"),
                                (AdaptiveClipConfig(targets: [:]), "at least one regime"),
                                (AdaptiveClipConfig(targets: ["neg_low": 0.1], rate: 0), "rate"),
                                (AdaptiveClipConfig(targets: ["neg_low": 0.1], minEps: 0), "min_eps"),
                                (AdaptiveClipConfig(targets: ["neg_low": 0.1], maxEpsLow: 1), "max_eps_low")] {
            XCTAssertThrowsError(try bad.validate()) { XCTAssertTrue("\($0)".contains(expected), "\($0)") }
        }
    }

    func test_dispo_loss_takes_the_schedules_epsilons_and_other_losses_ignore_them() {
        let eps = RegimeEpsilons(posLow: 0.1, posHigh: 0.5, negLow: 0.3, negHigh: 2)
        XCTAssertEqual(PolicyLoss.dispo(DISPOConfig(maskOutside: true)).withRegimeEpsilons(eps),
                       .dispo(DISPOConfig(epsPosLow: 0.1, epsPosHigh: 0.5, epsNegLow: 0.3, epsNegHigh: 2, maskOutside: true)))
        XCTAssertEqual(PolicyLoss.dispo(DISPOConfig()).withRegimeEpsilons(eps).regimeEpsilons, eps)
        XCTAssertEqual(PolicyLoss.cispo(CISPOConfig()).withRegimeEpsilons(eps), .cispo(CISPOConfig()))
    }
}

import Foundation
