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
        var entropyCoefficients: [Float]? = regularizers.entropyCoefficient != 0 && batch.entropies != nil
            ? [Float](repeating: 0, count: n) : nil
        var metrics = LossMetrics()
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
                record(term, advantage: a, mask: m, batch: batch, token: t, into: &metrics)
                if let entropies = batch.entropies {
                    metrics.add("actor/entropy", Double(entropies[t] * m), count: Double(m))
                    if entropyCoefficients != nil {
                        entropyCoefficients![t] = -regularizers.entropyCoefficient * weight * m
                        total -= Double(regularizers.entropyCoefficient * weight * m * entropies[t])
                    }
                }
                if regularizers.klCoefficient != 0, let ref = batch.refLogProbs {
                    let kl = regularizers.kl(logProb: batch.logProbs[t], refLogProb: ref[t])
                    coefficients[t] += regularizers.klCoefficient * weight * m * kl.gradient
                    total += Double(regularizers.klCoefficient * weight * m * kl.value)
                    metrics.add("actor/kl_loss", Double(kl.value * m), count: Double(m))
                }
            }
        }
        metrics.addTotal("actor/pg_loss", pgTotal)
        return PolicyLossOutput(loss: total, logProbCoefficients: coefficients, entropyCoefficients: entropyCoefficients,
                                metrics: metrics)
    }

    private func record(_ term: TokenLossTerm, advantage a: Float, mask m: Float, batch: PolicyBatch, token t: Int,
                        into metrics: inout LossMetrics) {
        let count = Double(m)
        metrics.add("actor/ppo_kl", Double((batch.oldLogProbs[t] - batch.logProbs[t]) * m), count: count)
        metrics.add("actor/pg_clipfrac", term.clip.contains(.ppoClipped) ? count : 0, count: count)
        metrics.add("actor/pg_clipfrac_lower", term.clip.contains(.ppoDualClipped) ? count : 0, count: count)
        let positive = a > 0, negative = a < 0
        metrics.add("dispo/clipfrac_pos_high", positive && term.clip.contains(.high) ? count : 0, count: count)
        metrics.add("dispo/clipfrac_pos_low", positive && term.clip.contains(.low) ? count : 0, count: count)
        metrics.add("dispo/clipfrac_neg_high", negative && term.clip.contains(.high) ? count : 0, count: count)
        metrics.add("dispo/clipfrac_neg_low", negative && term.clip.contains(.low) ? count : 0, count: count)
        metrics.add("dispo/masked_frac", term.clip.contains(.masked) ? count : 0, count: count)
        if positive { metrics.add("dispo/mean_weight_pos", Double(term.weight * m), count: count) }
        if negative { metrics.add("dispo/mean_weight_neg", Double(term.weight * m), count: count) }
    }
}
