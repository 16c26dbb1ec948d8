// A quick speed check of one training step (forward + backward + AdamW), not a benchmark: runs only with
// DISPO_ENGINE_SPEED=1, meant for `swift test -c release`. Shape (a) of the engine issue: hidden 256,
// 4 layers, 4 heads, ffn 768, vocab 512, batch 16 × 256.
import DispoEngine
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Process CPU seconds (all threads): robust to other processes sharing the cores, unlike wall time.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

final class EngineSpeedCheck: XCTestCase {
    func test_training_step_speed() throws {
        guard ProcessInfo.processInfo.environment["DISPO_ENGINE_SPEED"] == "1" else { throw XCTSkip("set DISPO_ENGINE_SPEED=1") }
        let threads = Int(ProcessInfo.processInfo.environment["DISPO_THREADS"] ?? "1") ?? 1
        Gemm.setThreads(threads)
        let config = ModelConfig(modelType: "llama", vocabSize: 512, hiddenSize: 256, intermediateSize: 768,
                                 numHiddenLayers: 4, numAttentionHeads: 4)
        let model = Transformer(config: config)
        model.initializeRandom(seed: 1)
        model.threads = threads
        let opt = AdamW(layout: model.layout, config: AdamWConfig(weightDecay: 0.1))
        let (B, T) = (16, 256)
        let seqs = (0..<B).map { b in (0..<T).map { Int32(($0 * 31 + b * 17) % 512) } }
        let batch = TokenBatch(sequences: seqs)
        let c = [Float](repeating: -1 / Float(B * T), count: B * T)
        var times: [Double] = [], walls: [Double] = []
        var phases = [0.0, 0.0, 0.0]
        for _ in 0..<4 {
            let t0 = cpuSeconds(), w0 = Date()
            _ = try model.forward(batch)
            let t1 = cpuSeconds()
            try model.backward(logProbCoefficients: c)
            let t2 = cpuSeconds()
            opt.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-3)
            model.zeroGradients()
            let t3 = cpuSeconds()
            times.append(t3 - t0)
            walls.append(Date().timeIntervalSince(w0))
            phases = [t1 - t0, t2 - t1, t3 - t2]
        }
        let best = times.dropFirst().min()!, bestWall = walls.dropFirst().min()!
        // Calibration: sgemm (4096 × 768 × 256) now, on this machine, in CPU seconds.
        let (M, K, Nn) = (4096, 256, 768)
        let A = [Float](repeating: 0.5, count: M * K), W = [Float](repeating: 0.25, count: Nn * K)
        var Cm = [Float](repeating: 0, count: M * Nn)
        let g0 = cpuSeconds()
        for _ in 0..<10 { Gemm.run(transA: false, transB: true, M: M, N: Nn, K: K, A: A, lda: K, B: W, ldb: K, beta: 0, C: &Cm, ldc: Nn) }
        let peak = 10 * 2 * Double(M * K * Nn) / (cpuSeconds() - g0) / 1e9
        print(String(format: "sgemm 4096×256×768 now: %.1f GFLOP per CPU-s", peak) + " (OpenBLAS kernel \(BLASRuntime.coreName))")
        let P = Double(model.parameterCount), N = Double(B * T)
        // 6·N·P for the matmuls plus attention: 4 layers · 12 · B · T² · C / 2 (causal half computed fully here: ×2).
        let flops = 6 * N * P + 4 * 12 * Double(B) * Double(T * T) * 256
        print(String(format: "training step (a), %d BLAS thread(s): %.3f CPU-s, %.0f tokens per CPU-s, %.1f GFLOP per CPU-s; last fwd %.3f bwd %.3f adam %.3f; wall %.3f s = %.0f tokens/s",
                     threads, best, N / best, flops / best / 1e9, phases[0], phases[1], phases[2], bestWall, N / bestWall))
    }

    /// Sampling throughput for shape (a): 64-token prompts, 128 new tokens, batch 1 and 16.
    func test_sampling_speed() throws {
        guard ProcessInfo.processInfo.environment["DISPO_ENGINE_SPEED"] == "1" else { throw XCTSkip("set DISPO_ENGINE_SPEED=1") }
        Gemm.setThreads(Int(ProcessInfo.processInfo.environment["DISPO_THREADS"] ?? "1") ?? 1)
        let config = ModelConfig(modelType: "llama", vocabSize: 512, hiddenSize: 256, intermediateSize: 768,
                                 numHiddenLayers: 4, numAttentionHeads: 4)
        let model = Transformer(config: config)
        model.initializeRandom(seed: 1)
        for batch in [1, 16] {
            let generator = Generator(model: model, slots: batch, capacity: 192)
            let requests = (0..<batch).map { b in
                GenerationRequest(prompt: (0..<64).map { Int32(($0 * 7 + b) % 512) }, key: SampleKey(runSeed: 1, prompt: UInt64(b)))
            }
            let p = SamplingParameters(temperature: 1, maxNewTokens: 128)
            _ = try generator.generate(requests, parameters: p)
            let t0 = cpuSeconds(), w0 = Date()
            let results = try generator.generate(requests, parameters: p)
            let cpu = cpuSeconds() - t0, wall = Date().timeIntervalSince(w0)
            let tokens = results.map(\.tokens.count).reduce(0, +)
            print(String(format: "sampling (a) batch %d: %d new tokens, %.0f tokens per CPU-s (%.0f per wall-s)",
                         batch, tokens, Double(tokens) / cpu, Double(tokens) / wall))
        }
    }

    /// A Qwen2.5-0.5B-shaped model (random init) does one training step; prints time and peak RSS.
    /// Runs only with DISPO_ENGINE_BIG=B×T (e.g. 1x256); expect a minute of CPU and ~9 GB + activations.
    func test_qwen_half_billion_training_step() throws {
        guard let shape = ProcessInfo.processInfo.environment["DISPO_ENGINE_BIG"] else { throw XCTSkip("set DISPO_ENGINE_BIG=BxT") }
        let parts = shape.split(separator: "x").compactMap { Int($0) }
        let (B, T) = (parts[0], parts[1])
        Gemm.setThreads(1)
        let config = ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 896, intermediateSize: 4864,
                                 numHiddenLayers: 24, numAttentionHeads: 14, numKeyValueHeads: 2, ropeTheta: 1_000_000,
                                 maxPositionEmbeddings: 32768, tieWordEmbeddings: true)
        let model = Transformer(config: config)
        let t0 = cpuSeconds()
        model.initializeRandom(seed: 1)
        let opt = AdamW(layout: model.layout, config: AdamWConfig(weightDecay: 0.1))
        let seqs: [[Int32]] = (0..<B).map { b in (0..<T).map { t in Int32((t * 7919 + b * 104_729) % 151_936) } }
        let batch = TokenBatch(sequences: seqs)
        let t1 = cpuSeconds()
        let scores = try model.forward(batch)
        let t2 = cpuSeconds()
        try model.backwardCrossEntropy(scores: scores)
        let t3 = cpuSeconds()
        GradientClipping.clip(model.gradients, maxNorm: 1)
        opt.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4)
        let t4 = cpuSeconds()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let loss = -scores.logProbs.reduce(0.0) { $0 + Double($1) } / Double(B * (T - 1))
        print(String(format: "qwen2.5-0.5B shape, %d params, B×T = %d×%d: init %.1f s, forward %.1f s, backward %.1f s, clip+AdamW %.1f s (CPU); loss %.3f; peak RSS %.2f GiB",
                     model.parameterCount, B, T, t1 - t0, t2 - t1, t3 - t2, t4 - t3, loss, Double(usage.ru_maxrss) / 1048576))
    }
}
