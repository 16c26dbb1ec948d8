// The policy objective of one micro-batch: the chosen loss per token, aggregated, plus the optional
// entropy and KL terms. Its output is what the engine's backward consumes: one coefficient per token on
// log π_θ(o_t) (and on H_t when an entropy bonus is on), already scaled by the aggregation, so that
// backward of Σ_t coef_t · log π_t gives the gradient of the batch loss.
//
// Legend: N tokens of the micro-batch, S sequences.

public struct PolicyObjective: Sendable, Equatable {
    public var loss: PolicyLoss
    public var aggregation: AggregationMode
    public var regularizers: Regularizers

    public init(loss: PolicyLoss, aggregation: AggregationMode = .tokenMean, regularizers: Regularizers = Regularizers()) {
        self.loss = loss
        self.aggregation = aggregation
        self.regularizers = regularizers
    }

    public init(preset: AlgorithmPreset) {
        self.init(loss: preset.loss, aggregation: preset.aggregation)
    }
}

public struct PolicyLossOutput: Sendable {
    /// This micro-batch's share of the mini-batch loss (shares add up to the mini-batch loss).
    public var loss: Double
    /// (N) ∂loss/∂log π_θ(o_t).
    public var logProbCoefficients: [Float]
    /// (N) ∂loss/∂H_t, present when the entropy bonus is on.
    public var entropyCoefficients: [Float]?
    public var metrics: LossMetrics
}

extension PolicyObjective {
    /// Computes the objective of `batch`, one micro-batch of the mini-batch whose normalisers are `scale`.
    public func evaluate(_ batch: PolicyBatch, scale: AggregationScale) throws -> PolicyLossOutput {
        try batch.validate()
        guard scale.mode == aggregation else {
            throw LossInputError(message: "aggregation scale is for \(scale.mode.rawValue), objective uses \(aggregation.rawValue)")
        }
        let tokenLoss = loss.tokenLoss
        let n = batch.tokenCount
        var coefficients = [Float](repeating: 0, count: n)
        let entropyBonus = regularizers.entropyCoefficient != 0 && batch.entropies != nil
        var entropyCoefficients: [Float]? = entropyBonus ? [Float](repeating: 0, count: n) : nil
        var tally = ObjectiveTally(loss: loss)
        var total = 0.0, pgTotal = 0.0
        for s in 0..<batch.sequenceCount {
            let range = batch.range(of: s)
            let masked = range.reduce(0.0) { $0 + Double(batch.mask[$1]) }
            let weight = Float(scale.weight(sequenceTokens: masked))
            let a = batch.advantages[s]
            let correct = batch.correct?[s]
            for t in range where batch.mask[t] != 0 {
                let m = batch.mask[t]
                let r = importanceRatio(logProb: batch.logProbs[t], oldLogProb: batch.oldLogProbs[t])
                let term = tokenLoss.term(logProb: batch.logProbs[t], ratio: r, advantage: a, correct: correct)
                coefficients[t] = weight * m * term.gradient
                let contribution = Double(weight * m) * Double(term.value)
                pgTotal += contribution
                total += contribution
                tally.add(term, ratio: r, advantage: a, mask: m, logRatio: batch.logProbs[t] - batch.oldLogProbs[t])
                if let entropies = batch.entropies {
                    tally.entropy += Double(entropies[t] * m)
                    if entropyBonus {
                        entropyCoefficients?[t] = -regularizers.entropyCoefficient * weight * m
                        total -= Double(regularizers.entropyCoefficient * weight * m * entropies[t])
                    }
                }
                if regularizers.klCoefficient != 0, let ref = batch.refLogProbs {
                    let kl = regularizers.kl(logProb: batch.logProbs[t], refLogProb: ref[t])
                    coefficients[t] += regularizers.klCoefficient * weight * m * kl.gradient
                    total += Double(regularizers.klCoefficient * weight * m * kl.value)
                    tally.klLoss += Double(kl.value * m)
                }
            }
        }
        var metrics = tally.metrics(hasEntropy: batch.entropies != nil,
                                    hasKL: regularizers.klCoefficient != 0 && batch.refLogProbs != nil)
        metrics.addTotal("actor/pg_loss", pgTotal)
        return PolicyLossOutput(loss: total, logProbCoefficients: coefficients, entropyCoefficients: entropyCoefficients,
                                metrics: metrics)
    }
}
