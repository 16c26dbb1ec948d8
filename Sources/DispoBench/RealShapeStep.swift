// The in-process part of `dispo bench engine --shape S --only step`: one training step of the real shape with
// random weights — forward, backward of the mean cross-entropy, gradient clipping and AdamW — on B × T seeded
// tokens, reporting the CPU seconds of each phase and the process's peak RSS (about 16 bytes per parameter for
// weights, gradients and the two moments, plus activations: ~9 GB for Qwen2.5-0.5B at 1 × 256).
// Dimension legend: B batch, T tokens per sequence, V vocab, P parameters.

import DispoEngine
import DispoSupport
import Foundation

extension RealShapeBench {
    static func step(_ o: RealShapeBenchOptions, emit: (String) -> Void) throws {
        try step(config: o.shape.config, name: o.shape.rawValue, batch: o.stepBatch, length: o.stepLength, threads: o.threads,
                 emit: emit)
    }

    /// One step of a random `config` model on `batch` × `length` tokens; returns the loss (nil when it did not fit).
    @discardableResult
    static func step(config: ModelConfig, name: String, batch B: Int, length T: Int, threads: Int,
                     emit: (String) -> Void) throws -> Double? {
        let P = config.checkedParameterCount ?? 0
        emit("== step \(name) (\(P) parameters): one training step in this process on \(B) × \(T) tokens, "
             + "\(threads) thread(s): forward, cross-entropy backward, clip to norm 1, AdamW; free memory \(gib(MemoryBudget.availableBytes))")
        guard 16 * P < MemoryBudget.availableBytes else {
            emit("step: not run (parameters, gradients and AdamW moments need \(gib(16 * P)), more than the free memory)")
            return nil
        }
        Gemm.setThreads(threads)
        let c0 = cpuSeconds()
        let model = Transformer(config: config)
        model.threads = threads
        model.initializeRandom(seed: 1)
        let optimizer = AdamW(layout: model.layout, config: AdamWConfig(weightDecay: 0.1))
        var rng = SplitMix64(seed: 3)
        let batch = TokenBatch(sequences: (0..<B).map { _ in (0..<T).map { _ in Int32(rng.below(config.vocabSize)) } })
        let c1 = cpuSeconds()
        let scores = try model.forward(batch)
        let c2 = cpuSeconds()
        let loss = try model.backwardCrossEntropy(scores: scores)
        let c3 = cpuSeconds()
        GradientClipping.clip(model.gradients, maxNorm: 1)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4, threads: threads)
        let c4 = cpuSeconds()
        emit(String(format: "step: init %.1f s, forward %.1f s, backward %.1f s, clip + AdamW %.1f s (CPU); loss %.3f (ln V = %.3f); "
                    + "%.0f tokens per CPU-second; peak RSS %@", c1 - c0, c2 - c1, c3 - c2, c4 - c3, loss,
                    log(Double(config.vocabSize)), Double(B * T) / (c4 - c1), gib(peakResidentBytes())))
        return loss
    }
}
