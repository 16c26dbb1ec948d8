// `dispo bench engine --shape qwen2.5-0.5b|qwen2.5-1.5b`: the engine at real model shapes (random weights made
// here, no download) against PyTorch + transformers, whole processes, the two sides alternating round by round:
//   sample  for each prompt length and batch: `dispo bench engine-sample` (load + generate, as `dispo sample`)
//           against Tools/bench_engine.py --part sample-model (import + load + warm-up + generate); each reports
//           time to first token and prefill/decode tokens/s; the driver measures wall time and peak RSS;
//   learn   `dispo learn` against Tools/bench_learn.py: one DISPO update (K mini-batches, AdamW), load to save;
//   step    (only when asked for, no baseline) one training step in this process, CPU seconds per phase and peak RSS.
// Before them it measures this machine's limits (memory read bandwidth and GEMM peak with the same threads) and
// turns them into the fastest possible decode step at each batch: max(bytes streamed / bandwidth,
// FLOPs / peak). Ratios are PyTorch time / dispo time (or dispo rate / PyTorch rate): paired medians and ranges.
// Dimension legend: B batch, P prompt tokens, N new tokens, L layers, V vocab, C hidden, KVD = KVH·HS.

import DispoEngine
import DispoSupport
import Foundation

public enum RealShape: String, CaseIterable, Sendable {
    case qwen05 = "qwen2.5-0.5b", qwen15 = "qwen2.5-1.5b"

    /// Qwen2.5-0.5B(-Instruct) and Qwen2.5-1.5B(-Instruct) configs: vocab 151,936, GQA, tied embeddings.
    public var config: ModelConfig {
        switch self {
        case .qwen05:
            return ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 896, intermediateSize: 4864, numHiddenLayers: 24,
                               numAttentionHeads: 14, numKeyValueHeads: 2, ropeTheta: 1_000_000, maxPositionEmbeddings: 32768,
                               tieWordEmbeddings: true, bosTokenID: 151_643, eosTokenIDs: [151_645])
        case .qwen15:
            return ModelConfig(modelType: "qwen2", vocabSize: 151_936, hiddenSize: 1536, intermediateSize: 8960, numHiddenLayers: 28,
                               numAttentionHeads: 12, numKeyValueHeads: 2, ropeTheta: 1_000_000, maxPositionEmbeddings: 32768,
                               tieWordEmbeddings: true, bosTokenID: 151_643, eosTokenIDs: [151_645])
        }
    }

    /// The learner benchmark's batch: (rollouts, prompt tokens, response tokens, mini-batches, micro-batch).
    var learnBatch: (count: Int, prompt: Int, response: Int, minibatches: Int, micro: Int) {
        self == .qwen05 ? (16, 64, 128, 2, 8) : (8, 64, 256, 2, 2)
    }
}

public struct RealShapeBenchOptions: Sendable {
    /// `step` (one training step in this process, ~16 bytes per parameter) runs only when asked for.
    /// `prefill` compares bf16 prefill products with fp32 ones (`prefillError`), only when asked for.
    public enum Part: String, CaseIterable, Sendable { case sample, learn, step, prefill }
    public var shape: RealShape
    public var parts: [Part] = [.sample, .learn]
    /// Tokens of the in-process training step: B sequences of T.
    public var stepBatch = 1, stepLength = 256
    public var batches = [1, 8, 32]
    public var promptLengths = [64, 512]
    public var newTokens = 128
    public var threads = 2
    public var rounds = 3
    /// Decode weights of the dispo side (nil: automatic, as `dispo sample`).
    public var precision: DecodeWeights.Precision?
    /// Products of the dispo side's prompt tokens (bf16: oneDNN, `Generator.usePrefillPrecision`); with two,
    /// both dispo variants run in every round beside PyTorch and each is compared with it.
    public var prefillPrecisions = [PrefillPrecision.f32]
    public var lean = false
    /// AdamW moments of the dispo learner.
    public var adamMoments = AdamWConfig.MomentPrecision.f32
    /// Run the PyTorch learner too (it needs 16 bytes per parameter plus activations).
    public var torchLearn = true
    public var python = "python3"
    public var scripts: String                 // directory holding bench_engine.py and bench_learn.py
    public var dispo: String                   // this executable
    public var workDirectory: String
    public init(shape: RealShape, scripts: String, dispo: String, workDirectory: String) {
        self.shape = shape; self.scripts = scripts; self.dispo = dispo; self.workDirectory = workDirectory
    }
}

public enum RealShapeBench {
    /// Runs the parts; by default each line goes straight to standard output (unbuffered: a long run written to
    /// a file shows each line as it comes).
    public static func run(_ o: RealShapeBenchOptions,
                           print emit: (String) -> Void = { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }) throws {
        let modelDir = o.parts.contains { $0 != .step } ? try prepareModel(o, emit: emit) : ""
        Gemm.setThreads(o.threads)
        // A shared machine's slow spells make single measurements of its limits pessimistic: they are measured
        // again before every comparison, and the best seen so far is used.
        var limits = MachineLimits.measure(threads: o.threads)
        func remeasure() {
            limits = limits.best(with: MachineLimits.measure(threads: o.threads))
            emit(String(format: "machine limits with %d thread(s), best so far: memory read %.1f GB/s, sgemm (OpenBLAS 1024³) "
                        + "%.1f GFLOP/s, packed decode product (48 rows) %.1f GFLOP/s", o.threads, limits.bandwidth / 1e9,
                        limits.sgemm / 1e9, limits.packed / 1e9))
        }
        for part in o.parts {
            switch part {
            case .sample:
                for p in o.promptLengths {
                    for b in o.batches {
                        remeasure()
                        try sample(o, model: modelDir, batch: b, promptTokens: p, limits: limits, emit: emit)
                    }
                }
            case .learn: try learn(o, model: modelDir, emit: emit)
            case .step: try step(o, emit: emit)
            case .prefill: try prefillError(o, model: modelDir, emit: emit)
            }
        }
    }

    /// `workDirectory/SHAPE` with random weights (seed 1, fp32), made once.
    static func prepareModel(_ o: RealShapeBenchOptions, emit: (String) -> Void) throws -> String {
        let dir = o.workDirectory + "/" + o.shape.rawValue
        if FileManager.default.fileExists(atPath: dir + "/model.safetensors") { return dir }
        emit("making \(dir): \(o.shape.rawValue) config, random weights (seed 1), fp32")
        let model = Transformer(config: o.shape.config)
        model.initializeRandom(seed: 1)
        try model.save(directory: dir)
        return dir
    }

    /// Reads every safetensors file of `directory` once, so the next process finds the model in the page cache.
    /// Some VMs evict cold page cache within a minute (this one runs DAMON with a `pageout` scheme); a side that
    /// happened to start on a cold file would count a disk read the other side did not (and PyTorch's lazily
    /// mapped weights are first read in its uncounted warm-up call). Both sides start warm, as a user's second run.
    static func warmFileCache(_ directory: String) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".safetensors") } ?? []
        for name in files {
            guard let handle = FileHandle(forReadingAtPath: directory + "/" + name) else { continue }
            while let chunk = try? handle.read(upToCount: 16 << 20), !chunk.isEmpty {}
            try? handle.close()
        }
    }

    /// B prompts of P seeded random tokens, as JSONL of {"prompt_ids"}.
    static func writePrompts(_ path: String, batch: Int, length: Int, vocab: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let lines = (0..<batch).map { _ in
            "{\"prompt_ids\": [" + (0..<length).map { _ in String(rng.below(vocab)) }.joined(separator: ", ") + "]}"
        }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: path)
    }

    static func number(_ json: JSONObjectReader?, _ key: String) -> Double? {
        guard let json, let r = json.optional(key) else { return nil }
        return try? r.double()
    }

    static func gib(_ bytes: Int) -> String { String(format: "%.2f GiB", Double(bytes) / Double(1 << 30)) }
}

extension RealShapeBench {
    static func sample(_ o: RealShapeBenchOptions, model: String, batch b: Int, promptTokens p: Int, limits: MachineLimits,
                       emit: (String) -> Void) throws {
        let prompts = o.workDirectory + "/prompts-\(b)x\(p).jsonl"
        try writePrompts(prompts, batch: b, length: p, vocab: o.shape.config.vocabSize, seed: UInt64(1000 * b + p))
        let threads = ["OMP_NUM_THREADS": "\(o.threads)", "MKL_NUM_THREADS": "\(o.threads)", "OPENBLAS_NUM_THREADS": "\(o.threads)"]
        var mine = ["--model", model, "--prompts", prompts, "--new-tokens", "\(o.newTokens)", "--threads", "\(o.threads)"]
        if let precision = o.precision { mine += ["--precision", precision.rawValue] }
        if o.lean { mine.append("--lean") }
        let theirs = [o.python, o.scripts + "/bench_engine.py", "--part", "sample-model", "--model", model, "--prompts", prompts,
                      "--new-tokens", "\(o.newTokens)", "--threads", "\(o.threads)"]
        // Sides: one dispo process per prefill precision, then PyTorch.
        let commands = o.prefillPrecisions.map { [o.dispo, "bench", "engine-sample"] + mine + ["--prefill-precision", $0.rawValue] }
            + [theirs]
        let names = o.prefillPrecisions.map { "dispo(prefill \($0.rawValue))" } + ["pytorch"]
        emit("== sample \(o.shape.rawValue): batch \(b), \(p)-token prompts, \(o.newTokens) new tokens, \(o.threads) thread(s) per side, "
             + "temperature 1, whole processes, dispo prefill " + o.prefillPrecisions.map(\.rawValue).joined(separator: " and "))
        var rows: [[ChildResult]] = []
        for round in 0..<o.rounds {
            // Rotate which side goes first, so a slow spell of the shared machine falls on every side.
            var results = [ChildResult?](repeating: nil, count: commands.count)
            for k in 0..<commands.count {
                let side = (round + k) % commands.count
                warmFileCache(model)
                results[side] = try ChildProcess.run(commands[side], environment: threads)
            }
            let row = results.map { $0! }
            for (name, r) in zip(names, row) where r.status != 0 || r.json == nil {
                emit("\(name) failed (status \(r.status)): \(r.stderr.suffix(800))")
                return
            }
            emit("round \(round + 1): " + zip(names, row).map { sampleLine($0, $1) }.joined(separator: " | "))
            rows.append(row)
        }
        let torch = commands.count - 1
        for (k, precision) in o.prefillPrecisions.enumerated() {
            if o.prefillPrecisions.count > 1 { emit("dispo with \(precision.rawValue) prefill:") }
            summarize(rows.map { ($0[k], $0[torch]) }, batch: b, promptTokens: p, o: o, limits: limits, emit: emit)
        }
        if let f = o.prefillPrecisions.firstIndex(of: .f32), let h = o.prefillPrecisions.firstIndex(of: .bf16) {
            let whole = Spread(values: rows.map { counted($0[f]) / counted($0[h]) })
            let prefill = Spread(values: rows.compactMap { r in
                number(r[h].json, "prefill_tokens_per_s").flatMap { x in number(r[f].json, "prefill_tokens_per_s").map { x / $0 } }
            })
            emit(String(format: "dispo bf16 prefill vs f32 prefill (paired median, range): whole process %.2f (%@), prefill tokens/s "
                        + "%.2f (%@)", whole.median, whole.range, prefill.median, prefill.range))
        }
    }

    /// Whole-process seconds, less PyTorch's uncounted warm-up `generate` call.
    static func counted(_ r: ChildResult) -> Double { r.wall - (number(r.json, "warmup_s") ?? 0) }

    static func sampleLine(_ name: String, _ r: ChildResult) -> String {
        let j = r.json
        let load = (number(j, "import_s") ?? 0) + (number(j, "load_s") ?? .nan)
        var text = String(format: "%@ %.1f s, peak %@ (%@ %.1f s, TTFT %.2f s, prefill %.0f tok/s, decode %.1f tok/s", name, counted(r),
                          gib(r.peakBytes), number(j, "import_s") == nil ? "load" : "import + load", load,
                          number(j, "ttft_s") ?? .nan, number(j, "prefill_tokens_per_s") ?? .nan, number(j, "decode_tokens_per_s") ?? .nan)
        if let warm = number(j, "warmup_s") { text += String(format: "; warm-up %.1f s not counted", warm) }
        return text + ")"
    }

    static func summarize(_ rows: [(dispo: ChildResult, torch: ChildResult)], batch b: Int, promptTokens p: Int,
                          o: RealShapeBenchOptions, limits: MachineLimits, emit: (String) -> Void) {
        func paired(_ f: (ChildResult, ChildResult) -> Double?) -> Spread {
            Spread(values: rows.compactMap { f($0.dispo, $0.torch) })
        }
        let whole = paired { counted($1) / counted($0) }
        let decode = paired { d, t in number(d.json, "decode_tokens_per_s").flatMap { x in number(t.json, "decode_tokens_per_s").map { x / $0 } } }
        let prefill = paired { d, t in number(d.json, "prefill_tokens_per_s").flatMap { x in number(t.json, "prefill_tokens_per_s").map { x / $0 } } }
        let ttft = paired { d, t in number(t.json, "ttft_s").flatMap { x in number(d.json, "ttft_s").map { x / $0 } } }
        emit(String(format: "ratio vs PyTorch (paired median, range): whole process %.2f (%@), decode tokens/s %.2f (%@), "
                    + "prefill tokens/s %.2f (%@), time to first token %.2f (%@)", whole.median, whole.range, decode.median,
                    decode.range, prefill.median, prefill.range, ttft.median, ttft.range))
        let step = Spread(values: rows.compactMap { number($0.dispo.json, "decode_s").map { $0 / Double(o.newTokens - 1) } })
        let bound = limits.decodeStepBound(o.shape.config, batch: b, context: p + o.newTokens / 2,
                                           weightBytes: o.precision == .bf16 ? 2 : 4)
        emit(String(format: "decode step at batch %d: dispo median %.1f ms; physical limit %.1f ms (%@: %.2f GB streamed at "
                    + "%.1f GB/s = %.1f ms, %.1f GFLOP at %.1f GFLOP/s = %.1f ms): %.0f%% of the limit", b, 1000 * step.median,
                    1000 * bound.seconds, bound.memoryBound ? "memory-bound" : "compute-bound", bound.bytes / 1e9,
                    limits.bandwidth / 1e9, 1000 * bound.bytes / limits.bandwidth, bound.flops / 1e9, limits.peak / 1e9,
                    1000 * bound.flops / limits.peak, 100 * bound.seconds / step.median))
    }
}
