// Aggregation of per-token losses into the batch loss, docs/ALGORITHMS.md §4 (m = token mask):
//
//     token-mean               Σ m·L / Σ m
//     seq-mean-token-mean      mean over sequences of (Σ_t m·L / Σ_t m)
//     seq-mean-token-sum       mean over sequences of Σ_t m·L
//     seq-mean-token-sum-norm  mean over sequences of Σ_t m·L, divided by a constant (max response length)
//
// "Over sequences" counts sequences with at least one unmasked token. The normalisers are taken over the
// whole mini-batch (`AggregationScale`), and each micro-batch contributes Σ_t weight_t·L_t, so the sum of
// micro-batch losses and gradients equals the unsplit mini-batch's exactly.

public enum AggregationMode: String, Codable, Sendable, CaseIterable {
    case tokenMean = "token-mean"
    case seqMeanTokenMean = "seq-mean-token-mean"
    case seqMeanTokenSum = "seq-mean-token-sum"
    case seqMeanTokenSumNorm = "seq-mean-token-sum-norm"
}

/// The mini-batch-wide normalisers of an aggregation.
public struct AggregationScale: Sendable, Equatable {
    public var mode: AggregationMode
    /// Σ m over the mini-batch.
    public var tokens: Double
    /// Sequences with at least one unmasked token, over the mini-batch.
    public var sequences: Double
    /// The constant of `seq-mean-token-sum-norm` (max response length).
    public var constant: Double

    public init(mode: AggregationMode, tokens: Double, sequences: Double, constant: Double = 1) {
        self.mode = mode
        self.tokens = tokens
        self.sequences = sequences
        self.constant = constant
    }

    /// The scale of a whole mini-batch, given as its micro-batches.
    public init(mode: AggregationMode, batches: [PolicyBatch], constant: Double = 1) {
        var tokens = 0.0, sequences = 0.0
        for batch in batches {
            for s in 0..<batch.sequenceCount {
                let count = batch.range(of: s).reduce(0.0) { $0 + Double(batch.mask[$1]) }
                tokens += count
                if count > 0 { sequences += 1 }
            }
        }
        self.init(mode: mode, tokens: tokens, sequences: sequences, constant: constant)
    }

    /// Weight of each token of a sequence with `maskedTokens` unmasked tokens: the batch loss is
    /// Σ_t weight·m_t·L_t.
    public func weight(sequenceTokens maskedTokens: Double) -> Double {
        switch mode {
        case .tokenMean: return tokens > 0 ? 1 / tokens : 0
        case .seqMeanTokenMean: return sequences > 0 && maskedTokens > 0 ? 1 / (sequences * maskedTokens) : 0
        case .seqMeanTokenSum: return sequences > 0 ? 1 / sequences : 0
        case .seqMeanTokenSumNorm: return sequences > 0 ? 1 / (sequences * constant) : 0
        }
    }
}
