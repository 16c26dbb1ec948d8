// The analytic gradient coefficients equal PyTorch autograd of the same losses (fixture written by
// Tools/make_loss_fixtures.py: 8 loss settings × 4 aggregations, with and without entropy/KL terms).
import DispoLosses
import DispoSupport
import Foundation
import XCTest

final class AutogradFixtureTests: XCTestCase {
    struct Case: Decodable {
        var loss: PolicyLoss
        var aggregation: AggregationMode
        var constant: Double
        var entropy_coef: Float
        var kl_coef: Float
        var logprobs, old_logprobs, mask, advantages, entropies, ref_logprobs: [Float]
        var sequence_starts: [Int]
        var correct: [Bool]
        var expected_loss: Double
        var expected_logprob_grad, expected_entropy_grad: [Double]
    }

    func test_coefficients_match_autograd() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/autograd.json")
        struct File: Decodable { var cases: [Case] }
        let cases = try StrictJSONDecoder(allowUnknownKeys: true).decode(File.self, fromFile: url.path).cases
        XCTAssertEqual(cases.count, 32)
        for (i, c) in cases.enumerated() {
            let batch = PolicyBatch(logProbs: c.logprobs, oldLogProbs: c.old_logprobs, mask: c.mask,
                                    sequenceStarts: c.sequence_starts, advantages: c.advantages, correct: c.correct,
                                    entropies: c.entropies, refLogProbs: c.ref_logprobs)
            let objective = PolicyObjective(loss: c.loss, aggregation: c.aggregation,
                                            regularizers: Regularizers(entropyCoefficient: c.entropy_coef,
                                                                       klCoefficient: c.kl_coef, klEstimator: .k3))
            let out = try objective.evaluate(batch, scale: AggregationScale(mode: c.aggregation, batches: [batch],
                                                                             constant: c.constant))
            let label = "case \(i): \(c.loss.kind.rawValue) \(c.aggregation.rawValue)"
            XCTAssertEqual(out.loss, c.expected_loss, accuracy: 1e-5 * max(1, abs(c.expected_loss)), label)
            for (t, (got, want)) in zip(out.logProbCoefficients, c.expected_logprob_grad).enumerated() {
                XCTAssertEqual(Double(got), want, accuracy: 1e-6 + 1e-4 * abs(want), "\(label) token \(t)")
            }
            let entropyGrad = out.entropyCoefficients ?? Array(repeating: 0, count: batch.tokenCount)
            for (t, (got, want)) in zip(entropyGrad, c.expected_entropy_grad).enumerated() {
                XCTAssertEqual(Double(got), want, accuracy: 1e-7 + 1e-4 * abs(want), "\(label) entropy token \(t)")
            }
        }
    }
}
