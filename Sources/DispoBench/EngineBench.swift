// `dispo bench engine`: the engine against PyTorch (Tools/bench_engine.py, torch CPU + transformers) doing the
// same work with the same thread count, side by side in one run (issue 3 §7):
//   train-a  training step (forward + backward + AdamW, fp32) of hidden 256, 4 layers, 4 heads, ffn 768,
//            vocab 512 on 16 × 256 tokens;
//   train-b  the same for hidden 1024, 8 layers, 16 heads (4 KV heads), ffn 2816, vocab 32000 on 4 × 512;
//   sample   generation throughput of shape (a) at batch 1, 16, 64: 128 new tokens after a 64-token prompt,
//            against transformers `generate` with its KV cache (both sample at τ = 1 without top-k/top-p, or
//            both greedy).
// Training FLOPs are 6·(matmul parameters)·B·T + causal attention 6·L·B·NH·HS·T·(T+1) (forward QKᵀ and AV
// at 2 FLOPs per multiply-add over the causal triangle, backward twice that), reported as GFLOP/s next to an
// OpenBLAS sgemm (1024³) measured in the same run. The two sides alternate step by step (the Python side runs
// interactively: one step per request), so a shared machine's slow spells fall on both; each side reports its
// best step (wall) and the process CPU seconds of that step. The sgemm peak is re-measured between training
// steps and its best is used.

import DispoEngine
import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct EngineBenchOptions: Sendable {
    public enum Part: String, CaseIterable, Sendable { case trainA = "train-a", trainB = "train-b", sample }
    public var parts: [Part] = Part.allCases
    /// BLAS and element-wise threads on both sides.
    public var threads = 1
    /// Timed steps of train-a (and timed `generate` runs per sampling batch); train-b uses `stepsB`.
    public var steps = 5
    public var stepsB = 2
    /// Untimed steps before the timed ones, on every part.
    public var warmup = 1
    public var sampleBatches = [1, 16, 64]
    public var promptTokens = 64, newTokens = 128
    public var greedy = false
    public var python = "python3"
    /// Tools/bench_engine.py.
    public var script: String
    public init(script: String) { self.script = script }
}

/// One training configuration of the benchmark.
public struct EngineBenchShape: Sendable {
    public var name: String
    public var hidden: Int, layers: Int, heads: Int, kvHeads: Int, ffn: Int, vocab: Int, batch: Int, length: Int

    public static let a = EngineBenchShape(name: "train-a", hidden: 256, layers: 4, heads: 4, kvHeads: 4, ffn: 768,
                                           vocab: 512, batch: 16, length: 256)
    public static let b = EngineBenchShape(name: "train-b", hidden: 1024, layers: 8, heads: 16, kvHeads: 4, ffn: 2816,
                                           vocab: 32000, batch: 4, length: 512)

    var config: ModelConfig {
        ModelConfig(modelType: "llama", vocabSize: vocab, hiddenSize: hidden, intermediateSize: ffn, numHiddenLayers: layers,
                    numAttentionHeads: heads, numKeyValueHeads: kvHeads, maxPositionEmbeddings: 4096)
    }

    var pythonArguments: [String] {
        ["--hidden", "\(hidden)", "--layers", "\(layers)", "--heads", "\(heads)", "--kv-heads", "\(kvHeads)",
         "--ffn", "\(ffn)", "--vocab", "\(vocab)", "--batch", "\(batch)", "--length", "\(length)"]
    }

    var description: String {
        "llama hidden \(hidden), \(layers) layers, \(heads) heads (\(kvHeads) KV), ffn \(ffn), vocab \(vocab), batch \(batch) × \(length)"
    }
}

/// Wall and CPU seconds of the timed repeats of one side.
struct Timings {
    var walls: [Double] = [], cpus: [Double] = []
    var best: Int { walls.indices.min { walls[$0] < walls[$1] } ?? 0 }
    var bestWall: Double { walls[best] }
    var bestCPU: Double { cpus[best] }
    var meanWall: Double { walls.reduce(0, +) / Double(max(1, walls.count)) }

    /// Runs `body` once; (wall, CPU) seconds.
    static func once(_ body: () throws -> Void) rethrows -> (Double, Double) {
        let (w0, c0) = (wallSeconds(), cpuSeconds())
        try body()
        return (wallSeconds() - w0, cpuSeconds() - c0)
    }

    /// Runs `body` `warmup + count` times, timing the last `count`.
    static func measure(warmup: Int, count: Int, _ body: () throws -> Void) rethrows -> Timings {
        var t = Timings()
        for i in 0..<(warmup + count) {
            let (w0, c0) = (wallSeconds(), cpuSeconds())
            try body()
            if i >= warmup { t.walls.append(wallSeconds() - w0); t.cpus.append(cpuSeconds() - c0) }
        }
        return t
    }
}

public enum EngineBench {
    /// Tools/bench_engine.py of the working directory, else of the source tree this was built from.
    public static func defaultScript() -> String { ChildProcess.toolScript("bench_engine.py") }

    /// Runs the selected parts, printing as it goes; returns the dispo/PyTorch throughput ratios measured.
    @discardableResult
    public static func run(_ o: EngineBenchOptions, print emit: (String) -> Void = { print($0) }) throws -> [String: Double] {
        Gemm.setThreads(o.threads)
        let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"
        emit("dispo bench engine: \(o.threads) thread(s) per side; OpenBLAS kernel \(BLASRuntime.coreName) "
             + "(OPENBLAS_CORETYPE=\(coreType)), BLAS threads \(Gemm.threads); PyTorch uses its own bundled BLAS")
        // dispo re-executes itself at start-up with the kernel the CPU supports; say so if that did not happen.
        if let better = BLASRuntime.recommendedCoreType() {
            emit("warning: OpenBLAS loaded a generic kernel on a CPU that runs \(better); set OPENBLAS_CORETYPE=\(better)")
        }
        let peak = Peak()
        emit(String(format: "sgemm peak (OpenBLAS, 1024×1024×1024, best of 10, %d thread(s)): %.1f GFLOP/s at the start",
                    o.threads, peak.best))
        var ratios: [String: Double] = [:]
        let python = PythonBaseline(options: o)
        defer { python.finish() }
        for part in o.parts {
            switch part {
            case .trainA: ratios[part.rawValue] = try train(.a, steps: o.steps, options: o, peak: peak, python: python, emit: emit)
            case .trainB: ratios[part.rawValue] = try train(.b, steps: o.stepsB, options: o, peak: peak, python: python, emit: emit)
            case .sample:
                for b in o.sampleBatches {
                    ratios["sample-\(b)"] = try sample(batch: b, options: o, python: python, emit: emit)
                }
            }
        }
        emit(String(format: "sgemm peak, best over the run: %.1f GFLOP/s", peak.best))
        emit(String(format: "peak RSS of dispo: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))
        return ratios
    }

    /// Best GFLOP/s of a 1024³ sgemm with the current BLAS threads.
    static func sgemmPeak(n: Int = 1024, repeats: Int = 10) -> Double {
        let a = Arena(count: n * n), b = Arena(count: n * n), c = Arena(count: n * n)
        var rng = SplitMix64(seed: 5)
        for i in 0..<(n * n) { a[i].pointee = Float(rng.next() >> 40) / Float(1 << 24) - 0.5; b[i].pointee = a[i].pointee }
        let t = Timings.measure(warmup: 2, count: repeats) {
            Gemm.run(transA: false, transB: true, M: n, N: n, K: n, A: a[0], lda: n, B: b[0], ldb: n, beta: 0, C: c[0], ldc: n)
        }
        return 2 * Double(n * n * n) / t.bestWall / 1e9
    }

    /// The best sgemm rate seen: measured at the start and again between training steps.
    final class Peak {
        private(set) var best: Double
        init() { best = EngineBench.sgemmPeak() }
        func remeasure() { best = max(best, EngineBench.sgemmPeak(repeats: 3)) }
    }

    /// Training FLOPs of one step: 6·(matmul parameters)·B·T + causal attention.
    static func trainingFLOPs(_ s: EngineBenchShape, model: Transformer) -> Double {
        var matmul = model.layout.tensors.filter { $0.shape.count == 2 && $0.name != "model.embed_tokens.weight" }
            .reduce(0) { $0 + $1.count }
        if model.config.tieWordEmbeddings { matmul += s.vocab * s.hidden }
        let tokens = Double(s.batch * s.length), T = Double(s.length)
        let attention = 6 * Double(s.layers * s.batch * s.heads * model.config.headDim) * T * (T + 1)
        return 6 * Double(matmul) * tokens + attention
    }
}

extension EngineBench {
    /// One training comparison; returns the dispo/PyTorch ratio of best-step throughput (nil without a baseline).
    static func train(_ s: EngineBenchShape, steps: Int, options o: EngineBenchOptions, peak: Peak, python: PythonBaseline,
                      emit: (String) -> Void) throws -> Double? {
        let model = Transformer(config: s.config)
        model.initializeRandom(seed: 1)
        model.threads = o.threads
        emit("== \(s.name): \(s.description) (\(model.parameterCount) parameters), fp32, forward + backward + AdamW")
        let optimizer = AdamW(layout: model.layout, config: AdamWConfig())
        var rng = SplitMix64(seed: 3)
        let sequences = (0..<s.batch).map { _ in (0..<s.length).map { _ in Int32(rng.below(s.vocab)) } }
        let batch = TokenBatch(sequences: sequences)
        // Mean cross-entropy over the scored tokens, as torch's `labels=` loss: coefficient −1/count on log π.
        let scored = batch.targets.filter { $0 >= 0 }.count
        let coefficients = batch.targets.map { $0 >= 0 ? -1 / Float(scored) : 0 }
        let arguments = ["--part", "train", "--name", s.name, "--threads", "\(o.threads)"] + s.pythonArguments
        let torch = python.start(arguments, emit: emit)
        var phases: (forward: Double, backward: Double, adamw: Double) = (0, 0, 0)
        let (t, torchTimings) = try alternate(warmup: o.warmup, count: steps, torch: torch, between: peak.remeasure) {
            model.zeroGradients()
            let c0 = cpuSeconds()
            _ = try model.forward(batch)
            let c1 = cpuSeconds()
            try model.backward(logProbCoefficients: coefficients)
            let c2 = cpuSeconds()
            optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4, threads: o.threads)
            phases = (c1 - c0, c2 - c1, cpuSeconds() - c2)
        }
        torch?.close()
        let tokens = Double(s.batch * s.length), flops = trainingFLOPs(s, model: model)
        emit(String(format: "FLOPs per step: %.1f GFLOP (6·params·tokens + causal attention); sgemm peak so far %.1f GFLOP/s",
                    flops / 1e9, peak.best))
        emit(sideLine("dispo", t, tokens: tokens, flops: flops, peak: peak.best))
        emit(String(format: "dispo, last step by phase (CPU s): forward %.3f, backward %.3f, AdamW %.3f",
                    phases.forward, phases.backward, phases.adamw))
        guard let torch, let torchTimings else { return python.missing(stopped: torch != nil, emit: emit) }
        emit(sideLine("pytorch \(torch.version)", torchTimings, tokens: tokens, flops: flops, peak: peak.best))
        return ratio(dispo: t, torch: torchTimings, emit: emit)
    }

    /// One sampling comparison at batch `b`; returns the dispo/PyTorch throughput ratio (nil without a baseline).
    static func sample(batch b: Int, options o: EngineBenchOptions, python: PythonBaseline, emit: (String) -> Void) throws -> Double? {
        let s = EngineBenchShape.a
        let model = Transformer(config: s.config)
        model.initializeRandom(seed: 1)
        model.threads = o.threads
        let mode = o.greedy ? "greedy" : "sampling at temperature 1, no top-k/top-p"
        emit("== sample, batch \(b): \(o.newTokens) new tokens after \(o.promptTokens)-token prompts, \(mode), model of train-a "
             + "(\(model.parameterCount) parameters); tokens/s counts new tokens, prefill included")
        let generator = Generator(model: model, slots: b, capacity: o.promptTokens + o.newTokens)
        var rng = SplitMix64(seed: 4)
        let requests = (0..<b).map { i in
            GenerationRequest(prompt: (0..<o.promptTokens).map { _ in Int32(rng.below(s.vocab)) },
                              key: SampleKey(runSeed: 9, prompt: UInt64(i)))
        }
        let parameters = SamplingParameters(temperature: o.greedy ? 0 : 1, topP: 1, topK: 0, maxNewTokens: o.newTokens)
        var arguments = ["--part", "sample", "--name", "sample-\(b)", "--batch", "\(b)", "--prompt-tokens", "\(o.promptTokens)",
                         "--new-tokens", "\(o.newTokens)", "--threads", "\(o.threads)"] + s.pythonArguments.prefix(12)
        if o.greedy { arguments.append("--greedy") }
        let torch = python.start(arguments, emit: emit)
        let (t, torchTimings) = try alternate(warmup: o.warmup, count: o.steps, torch: torch) {
            let results = try generator.generate(requests, parameters: parameters)
            precondition(results.allSatisfy { $0.tokens.count == o.newTokens }, "every sequence makes newTokens tokens")
        }
        torch?.close()
        let tokens = Double(b * o.newTokens)
        emit(sideLine("dispo", t, tokens: tokens, flops: nil, peak: nil))
        guard let torch, let torchTimings else { return python.missing(stopped: torch != nil, emit: emit) }
        emit(sideLine("pytorch \(torch.version) generate", torchTimings, tokens: tokens, flops: nil, peak: nil))
        return ratio(dispo: t, torch: torchTimings, emit: emit)
    }

    /// dispo's step and the PyTorch session's step, one after the other, `warmup + count` times (`between` runs
    /// after each pair); timings of the last `count` of each side (PyTorch's nil without a session).
    static func alternate(warmup: Int, count: Int, torch: PythonBaseline.Session?, between: () -> Void = {},
                          _ body: () throws -> Void) throws -> (Timings, Timings?) {
        var mine = Timings(), theirs: Timings? = torch == nil ? nil : Timings()
        for i in 0..<(warmup + count) {
            let (w, c) = try Timings.once(body)
            let other = torch?.step()
            if torch != nil && other == nil { theirs = nil }
            if i >= warmup {
                mine.walls.append(w); mine.cpus.append(c)
                if let other { theirs?.walls.append(other.wall); theirs?.cpus.append(other.cpu) }
            }
            between()
        }
        return (mine, theirs)
    }

    static func sideLine(_ label: String, _ t: Timings, tokens: Double, flops: Double?, peak: Double?) -> String {
        var text = String(format: "%@: best %.3f s (CPU %.3f s), %.0f tokens/s (%.0f per CPU-second); mean %.3f s over %d",
                          label, t.bestWall, t.bestCPU, tokens / t.bestWall, tokens / t.bestCPU, t.meanWall, t.walls.count)
        if let flops, let peak {
            let rate = flops / t.bestWall / 1e9
            text += String(format: "; %.1f GFLOP/s = %.0f%% of the sgemm peak (%.1f GFLOP per CPU-second)",
                           rate, 100 * rate / peak, flops / t.bestCPU / 1e9)
        }
        return text
    }

    static func ratio(dispo: Timings, torch: Timings, emit: (String) -> Void) -> Double {
        let wall = torch.bestWall / dispo.bestWall
        // Each round ran one step per side back to back; the median of the rounds' ratios is less at the mercy
        // of one lucky step than best against best.
        let paired = zip(torch.walls, dispo.walls).map { $0 / $1 }.sorted()
        let median = paired.isEmpty ? wall : (paired[(paired.count - 1) / 2] + paired[paired.count / 2]) / 2
        emit(String(format: "ratio vs PyTorch: %.2f", wall))
        emit(String(format: "  (per CPU-second: %.2f; median of the %d rounds' ratios: %.2f, range %.2f–%.2f)",
                    torch.bestCPU / dispo.bestCPU, paired.count, median, paired.first ?? wall, paired.last ?? wall))
        return wall
    }
}

/// Runs Tools/bench_engine.py interactively, one session per measurement; reports (once) why when it cannot.
final class PythonBaseline {
    let options: EngineBenchOptions
    var unavailable = false
    private var open: [Session] = []
    private let errPath = FileManager.default.temporaryDirectory
        .appendingPathComponent("dispo-engine-bench-\(ProcessInfo.processInfo.processIdentifier).err").path

    init(options: EngineBenchOptions) {
        self.options = options
        // A baseline that dies between our liveness check and the next request must not take this process down
        // with SIGPIPE: writes to its closed pipe fail with EPIPE instead, and the run reports it.
        signal(SIGPIPE, SIG_IGN)
    }

    /// One running baseline: a model built on the Python side, stepped on request.
    final class Session {
        let version: String
        private let child: ChildProcess.Session
        init(version: String, child: ChildProcess.Session) {
            self.version = version; self.child = child
        }

        /// One timed step on the Python side: (wall, CPU) seconds, nil if the process failed.
        func step() -> (wall: Double, cpu: Double)? {
            guard child.send("step"), let line = child.readLine(), let json = try? JSONValue.parse(line),
                  let wall = json["seconds"]?.double, let cpu = json["cpu_seconds"]?.double else { return nil }
            return (wall, cpu)
        }

        func close() {
            guard child.isRunning else { return }
            child.finish(saying: "quit")
        }
    }

    /// Starts `bench_engine.py arguments --interactive` and waits for its model; nil (reported) when it fails.
    func start(_ arguments: [String], emit: (String) -> Void) -> Session? {
        if unavailable { emit("pytorch: skipped (baseline unavailable, see above)"); return nil }
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let threads = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"].map { ($0, "\(options.threads)") }
        let child: ChildProcess.Session
        do {
            child = try ChildProcess.Session([options.python, options.script] + arguments + ["--interactive"],
                                             environment: Dictionary(uniqueKeysWithValues: threads), errorPath: errPath)
        } catch {
            return fail("could not start \(options.python) (\(error)); pass --python PATH", emit: emit)
        }
        guard let ready = child.readLine(), let json = try? JSONValue.parse(ready), json["ready"]?.bool == true else {
            child.finish()
            let errText = errorText()
            let install = "install the baseline with: python3 -m venv .venv-torch && .venv-torch/bin/pip install \"torch==2.13.0+cpu\" "
                + "transformers --extra-index-url https://download.pytorch.org/whl/cpu; then --python .venv-torch/bin/python"
            let missing = child.status == 3 || child.status == 127
            return fail("\(options.python) \(options.script) failed (exit \(child.status)): \(errText.suffix(600))"
                        + (missing ? "\n" + install : ""), emit: emit, permanent: missing)
        }
        let version = "\(json["torch_version"]?.string ?? "?") + transformers \(json["transformers_version"]?.string ?? "?")"
        let session = Session(version: version, child: child)
        open.append(session)
        return session
    }

    /// Ends every session.
    func finish() {
        for session in open { session.close() }
        open.removeAll()
        try? FileManager.default.removeItem(atPath: errPath)
    }

    /// The ratio line when there is no baseline to compare with; `stopped`: the session ended mid-run.
    func missing(stopped: Bool, emit: (String) -> Void) -> Double? {
        if stopped {
            let errText = errorText()
            emit("pytorch: \(options.script) stopped answering mid-run: \(errText.suffix(600))")
        }
        emit("ratio vs PyTorch: n/a")
        return nil
    }

    /// What the baseline wrote to stderr so far.
    private func errorText() -> String {
        ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func fail(_ why: String, emit: (String) -> Void, permanent: Bool = true) -> Session? {
        unavailable = unavailable || permanent
        emit("pytorch: \(why)")
        return nil
    }
}
