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
        var tally = Tally()
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
                tally.add(term, advantage: a, mask: m, kl: batch.oldLogProbs[t] - batch.logProbs[t])
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

/// Per-token metric sums of one evaluation, kept in fields (not a dictionary) on the hot path.
private struct Tally {
    var tokens = 0.0, positive = 0.0, negative = 0.0
    var ppoKL = 0.0, clipped = 0.0, dualClipped = 0.0, masked = 0.0
    var posHigh = 0.0, posLow = 0.0, negHigh = 0.0, negLow = 0.0
    var weightPos = 0.0, weightNeg = 0.0, entropy = 0.0, klLoss = 0.0

    mutating func add(_ term: TokenLossTerm, advantage a: Float, mask m: Float, kl: Float) {
        let count = Double(m)
        tokens += count
        ppoKL += Double(kl * m)
        let clip = term.clip
        if clip.contains(.ppoClipped) { clipped += count }
        if clip.contains(.ppoDualClipped) { dualClipped += count }
        if clip.contains(.masked) { masked += count }
        if a > 0 {
            positive += count
            weightPos += Double(term.weight * m)
            if clip.contains(.high) { posHigh += count }
            if clip.contains(.low) { posLow += count }
        } else if a < 0 {
            negative += count
            weightNeg += Double(term.weight * m)
            if clip.contains(.high) { negHigh += count }
            if clip.contains(.low) { negLow += count }
        }
    }

    func metrics(hasEntropy: Bool, hasKL: Bool) -> LossMetrics {
        var m = LossMetrics()
        m.add("actor/ppo_kl", ppoKL, count: tokens)
        m.add("actor/pg_clipfrac", clipped, count: tokens)
        m.add("actor/pg_clipfrac_lower", dualClipped, count: tokens)
        m.add("dispo/clipfrac_pos_high", posHigh, count: tokens)
        m.add("dispo/clipfrac_pos_low", posLow, count: tokens)
        m.add("dispo/clipfrac_neg_high", negHigh, count: tokens)
        m.add("dispo/clipfrac_neg_low", negLow, count: tokens)
        m.add("dispo/masked_frac", masked, count: tokens)
        if positive > 0 { m.add("dispo/mean_weight_pos", weightPos, count: positive) }
        if negative > 0 { m.add("dispo/mean_weight_neg", weightNeg, count: negative) }
        if hasEntropy { m.add("actor/entropy", entropy, count: tokens) }
        if hasKL { m.add("actor/kl_loss", klLoss, count: tokens) }
        return m
    }
}
