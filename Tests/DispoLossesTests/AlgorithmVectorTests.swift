// Every test vector of docs/ALGORITHMS.md §7 (tolerance 1e-6): advantages, each loss's value and gradient
// coefficients on the 2 × 4 batch, PPO-clip's clip fractions, DISPO's regime weights.
import DispoLosses
import XCTest

final class AlgorithmVectorTests: XCTestCase {
    static let batch = PolicyBatch(
        logProbs: [-1.0, -1.5, -1.0, -1.4, -0.9, -0.7, -1.5, -1.0],
        oldLogProbs: [-1.0, -2.0, -0.5, -1.5, -1.2, -0.3, -3.0, -1.0],
        mask: [1, 1, 1, 1, 1, 1, 1, 0],
        sequenceStarts: [0, 4, 8],
        advantages: [1.5, -0.5])

    func evaluate(_ loss: PolicyLoss, _ mode: AggregationMode, constant: Double = 1) throws -> PolicyLossOutput {
        let objective = PolicyObjective(loss: loss, aggregation: mode)
        return try objective.evaluate(Self.batch, scale: AggregationScale(mode: mode, batches: [Self.batch], constant: constant))
    }

    func assertClose(_ a: [Float], _ b: [Double], accuracy: Double = 1e-6, _ message: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(Double(x), y, accuracy: accuracy, "\(message): \(a) vs \(b)", file: file, line: line) }
    }

    func test_advantages() {
        let g = [0, 0, 0, 0]
        func close(_ a: [Double], _ b: [Double]) { for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-6) } }
        close(Advantages.groupRelative(rewards: [1, 0, 0, 0], groups: g), [1.499997, -0.499999, -0.499999, -0.499999])
        close(Advantages.groupRelative(rewards: [1, -1, -1, -1], groups: g), [1.499999, -0.5, -0.5, -0.5])
        close(Advantages.groupRelative(rewards: [1, 1, 1, 1], groups: g), [0, 0, 0, 0])
        close(Advantages.groupRelative(rewards: [1, 0, 0, 0], groups: g, normByStd: false), [0.75, -0.25, -0.25, -0.25])
        close(Advantages.groupRelative(rewards: [0.5], groups: [9]), [0.5])
        // Interleaved groups are separated by id.
        close(Advantages.groupRelative(rewards: [1, 5, 0, 5], groups: [1, 2, 1, 2], normByStd: false), [0.5, 0, -0.5, 0])
    }

    func test_ppo_clip_token_mean_and_clip_fractions() throws {
        let out = try evaluate(.ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.2, dualClip: 3)), .tokenMean)
        XCTAssertEqual(out.loss, -0.470375, accuracy: 1e-6)
        assertClose(out.logProbCoefficients, [-0.214286, 0, -0.129971, -0.236822, 0.096418, 0, 0, 0])
        let m = out.metrics.values
        XCTAssertEqual(m["actor/pg_clipfrac"]!, 2.0 / 7, accuracy: 1e-9)
        XCTAssertEqual(m["actor/pg_clipfrac_lower"]!, 1.0 / 7, accuracy: 1e-9)
        XCTAssertEqual(m["actor/ppo_kl"]!, -0.214286, accuracy: 1e-6)
        XCTAssertEqual(m["actor/pg_loss"]!, -0.470375, accuracy: 1e-6)
    }

    func test_ppo_clip_sequence_aggregations() throws {
        let loss = PolicyLoss.ppoClip(PPOClipConfig(epsLow: 0.2, epsHigh: 0.2, dualClip: 3))
        let seqMean = try evaluate(loss, .seqMeanTokenMean)
        XCTAssertEqual(seqMean.loss, -0.304289, accuracy: 1e-6)
        assertClose(seqMean.logProbCoefficients, [-0.1875, 0, -0.113724, -0.20722, 0.112488, 0, 0, 0])
        let norm = try evaluate(loss, .seqMeanTokenSumNorm, constant: 4)
        XCTAssertEqual(norm.loss, -0.411578, accuracy: 1e-6)
        assertClose(norm.logProbCoefficients, [-0.1875, 0, -0.113724, -0.20722, 0.084366, 0, 0, 0])
    }

    func test_dapo_clip_higher() throws {
        let out = try evaluate(AlgorithmPreset.dapo.loss, .tokenMean)
        XCTAssertEqual(out.loss, -0.487518, accuracy: 1e-6)
        assertClose(out.logProbCoefficients, [-0.214286, 0, -0.129971, -0.236822, 0.096418, 0, 0, 0])
    }

    func test_reinforce() throws {
        let out = try evaluate(.reinforce(ReinforceConfig()), .tokenMean)
        XCTAssertEqual(out.loss, 0.828571, accuracy: 1e-6)
        assertClose(out.logProbCoefficients, [-0.214286, -0.214286, -0.214286, -0.214286, 0.071429, 0.071429, 0.071429, 0])
    }

    func test_cispo() throws {
        let out = try evaluate(.cispo(CISPOConfig(epsLow: 1.0, epsHigh: 2.0)), .tokenMean)
        XCTAssertEqual(out.loss, 0.764033, accuracy: 1e-6)
        assertClose(out.logProbCoefficients, [-0.214286, -0.353297, -0.129971, -0.236822, 0.096418, 0.04788, 0.214286, 0])
    }

    func test_dispo_all_four_regimes_clip_once() throws {
        let config = DISPOConfig(epsPosLow: 0.2, epsPosHigh: 0.28, epsNegLow: 0.2, epsNegHigh: 2.0)
        let out = try evaluate(.dispo(config), .tokenMean)
        XCTAssertEqual(out.loss, 0.680489, accuracy: 1e-6)
        assertClose(out.logProbCoefficients, [-0.214286, -0.274286, -0.171429, -0.236822, 0.096418, 0.057143, 0.214286, 0])
        let m = out.metrics.values
        for regime in ["pos_high", "pos_low", "neg_high", "neg_low"] {
            XCTAssertEqual(m["dispo/clipfrac_\(regime)"]!, 1.0 / 7, accuracy: 1e-9, regime)
        }
        XCTAssertEqual(m["dispo/mean_weight_pos"]!, (1 + 1.28 + 0.8 + 1.105171) / 4, accuracy: 1e-6)
        XCTAssertEqual(m["dispo/mean_weight_neg"]!, (1.349859 + 0.8 + 3.0) / 3, accuracy: 1e-6)
    }

    func test_dispo_with_equal_bounds_is_cispo_bit_for_bit() throws {
        let dispo = try evaluate(.dispo(DISPOConfig(epsPosLow: 1.0, epsPosHigh: 2.0, epsNegLow: 1.0, epsNegHigh: 2.0)), .tokenMean)
        let cispo = try evaluate(.cispo(CISPOConfig(epsLow: 1.0, epsHigh: 2.0)), .tokenMean)
        XCTAssertEqual(dispo.loss, 0.764033, accuracy: 1e-6)
        XCTAssertEqual(dispo.loss.bitPattern, cispo.loss.bitPattern)
        XCTAssertEqual(dispo.logProbCoefficients.map(\.bitPattern), cispo.logProbCoefficients.map(\.bitPattern))
    }
}
