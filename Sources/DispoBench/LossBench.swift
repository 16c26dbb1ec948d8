// Cost of the policy loss next to the engine's backward: the loss (ratio, clip, aggregation, metrics) per
// token against forward + backward per token of a transformer, both measured here on one thread.

import DispoEngine
import DispoLosses
import DispoSupport
import Foundation

public struct LossBenchOptions: Sendable {
    public var tokens = 1 << 20
    public var repeatCount = 5
    /// Model shape for the engine side (issue config (a): hidden 256, 4 layers, 4 heads, ffn 768, vocab 512).
    public var hidden = 256, layers = 4, heads = 4, ffn = 768, vocab = 512, batch = 16, length = 256
    public init() {}
}

public enum LossBench {
    /// Prints ns/token of each loss and of the engine step; returns the worst loss/engine cost ratio.
    @discardableResult
    public static func run(_ o: LossBenchOptions = LossBenchOptions(), print emit: (String) -> Void = { print($0) }) throws -> Double {
        Gemm.setThreads(1)
        var rng = SplitMix64(seed: 7)
        func uniform() -> Float { Float(rng.next() >> 40) / Float(1 << 24) }
        let perSequence = 256
        let sequences = o.tokens / perSequence
        let logp = (0..<o.tokens).map { _ in -4 * uniform() - 0.01 }
        let old = logp.map { $0 + uniform() - 0.5 }
        let batch = PolicyBatch(logProbs: logp, oldLogProbs: old, mask: [Float](repeating: 1, count: o.tokens),
                                sequenceStarts: (0...sequences).map { $0 * perSequence },
                                advantages: (0..<sequences).map { _ in 2 * uniform() - 1 }, entropies: logp.map { -$0 })
        var worst = 0.0
        let engine = try engineNanosPerToken(o)
        emit(String(format: "engine forward+backward (hidden %d, %d layers, vocab %d, %d×%d tokens, 1 thread): %.0f ns/token",
                    o.hidden, o.layers, o.vocab, o.batch, o.length, engine))
        for preset in AlgorithmPreset.allCases {
            let objective = PolicyObjective(preset: preset)
            let scale = AggregationScale(mode: objective.aggregation, batches: [batch], constant: Double(perSequence))
            var best = Double.infinity
            for _ in 0..<o.repeatCount {
                let start = wallSeconds()
                let out = try objective.evaluate(batch, scale: scale)
                precondition(out.logProbCoefficients.count == o.tokens)
                best = min(best, (wallSeconds() - start) * 1e9 / Double(o.tokens))
            }
            worst = max(worst, best / engine)
            emit(String(format: "loss %-9@ %.1f ns/token (%.2f%% of the engine step)", preset.rawValue, best, 100 * best / engine))
        }
        emit(String(format: "ratio loss/engine (worst): %.4f", worst))
        return worst
    }

    static func engineNanosPerToken(_ o: LossBenchOptions) throws -> Double {
        let model = Transformer(config: ModelConfig(modelType: "llama", vocabSize: o.vocab, hiddenSize: o.hidden,
                                                    intermediateSize: o.ffn, numHiddenLayers: o.layers,
                                                    numAttentionHeads: o.heads))
        model.initializeRandom(seed: 1)
        var rng = SplitMix64(seed: 3)
        let sequences = (0..<o.batch).map { _ in (0..<o.length).map { _ in Int32(rng.below(o.vocab)) } }
        let batch = TokenBatch(sequences: sequences)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = wallSeconds()
            let scores = try model.forward(batch)
            try model.backward(logProbCoefficients: scores.logProbs.map { _ in -1e-4 })
            best = min(best, (wallSeconds() - start) * 1e9 / Double(o.batch * o.length))
        }
        return best
    }
}
