// `dispo bench engine --shape S --only prefill`: how far bf16 prefill products move results at a real shape.
// Random weights of the shape (seed 1), B seeded prompts of P tokens: the logits after each prompt with fp32
// products and with bf16 ones (`PrefillPrecision.bf16`), compared as relative Frobenius error, largest error
// over the logits' root-mean-square, the log-prob of the fp32 argmax token under both, and whether the argmax
// (the greedy token) is the same; with the time of each prefill.
// Dimension legend: B prompts, P prompt tokens, V vocab.

import DispoEngine
import DispoSupport
import Foundation

extension RealShapeBench {
    static func prefillError(_ o: RealShapeBenchOptions, model directory: String, emit: (String) -> Void) throws {
        let model = try Transformer.load(directory: directory)
        model.threads = o.threads
        let B = o.batches.max() ?? 8, P = o.promptLengths.max() ?? 512, V = model.config.vocabSize
        var rng = SplitMix64(seed: 7)
        let prompts = (0..<B).map { _ in (0..<P).map { _ in Int32(rng.below(V)) } }
        var logits: [[Float]] = []
        for precision in PrefillPrecision.allCases {
            let g = Generator(model: model, slots: B, capacity: P)
            try g.usePrefillPrecision(precision)
            _ = try g.promptLogits([Array(prompts[0].prefix(8))])     // packing / conversion, not timed
            let start = wallSeconds()
            logits.append(try g.promptLogits(prompts))
            emit(String(format: "prefill %@: %d × %d tokens in %.2f s (%.0f tokens/s)", precision.rawValue, B, P,
                        wallSeconds() - start, Double(B * P) / (wallSeconds() - start)))
        }
        let (exact, bf16) = (logits[0], logits[1])
        var num = 0.0, den = 0.0, worst = 0.0, sameArgmax = 0, worstLogProb = 0.0
        for b in 0..<B {
            let e = Array(exact[(b * V)..<((b + 1) * V)]), h = Array(bf16[(b * V)..<((b + 1) * V)])
            for (x, y) in zip(h, e) { let d = Double(x - y); num += d * d; den += Double(y) * Double(y); worst = max(worst, abs(d)) }
            let top = e.indices.max { e[$0] < e[$1] }!, topHalf = h.indices.max { h[$0] < h[$1] }!
            if top == topHalf { sameArgmax += 1 }
            let lpExact = logSoftmax(e, at: top), lpHalf = logSoftmax(h, at: top)
            worstLogProb = max(worstLogProb, abs(lpHalf - lpExact) / max(abs(lpExact), 1e-9))
        }
        emit(String(format: "bf16 vs f32 prefill, %@ (%d layers), %d prompts × %d tokens: logits relative Frobenius error %.4f, "
                    + "largest error / RMS %.4f; log-prob of the f32 greedy token: largest relative change %.4f; greedy token "
                    + "the same for %d of %d prompts", o.shape.rawValue, model.config.numHiddenLayers, B, P,
                    (num / den).squareRoot(), worst / (den / Double(exact.count)).squareRoot(), worstLogProb, sameArgmax, B))
    }

    static func logSoftmax(_ z: [Float], at i: Int) -> Double {
        let m = Double(z.max()!)
        return Double(z[i]) - m - log(z.reduce(0.0) { $0 + exp(Double($1) - m) })
    }
}
