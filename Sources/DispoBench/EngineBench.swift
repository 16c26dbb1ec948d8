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
// OpenBLAS sgemm (1024³) measured in the same run. Each side reports its best step (wall) and the process CPU
// seconds of that step: the machine may be shared, and CPU time shows how much of the cores each side had.

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
    public var steps = 3
    public var stepsB = 1
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

func wallSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// CPU seconds of this process, all threads.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

public enum EngineBench {
    /// Tools/bench_engine.py of the working directory, else of the source tree this was built from.
    public static func defaultScript() -> String {
        let local = "Tools/bench_engine.py"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(local).path
    }

    /// Runs the selected parts, printing as it goes; returns the dispo/PyTorch throughput ratios measured.
    @discardableResult
    public static func run(_ o: EngineBenchOptions, print emit: (String) -> Void = { print($0) }) throws -> [String: Double] {
        Gemm.setThreads(o.threads)
        let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset"
        emit("dispo bench engine: \(o.threads) thread(s) per side; OpenBLAS kernel \(BLASRuntime.coreName) "
             + "(OPENBLAS_CORETYPE=\(coreType)), BLAS threads \(Gemm.threads); PyTorch uses its own bundled BLAS")
        let peak = sgemmPeak()
        emit(String(format: "sgemm peak (OpenBLAS, 1024×1024×1024, best of 10, %d thread(s)): %.1f GFLOP/s", o.threads, peak))
        var ratios: [String: Double] = [:]
        let python = PythonBaseline(options: o)
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
        emit(String(format: "peak RSS of dispo: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))
        return ratios
    }

    /// Best GFLOP/s of a 1024³ sgemm with the current BLAS threads.
    static func sgemmPeak(n: Int = 1024) -> Double {
        let a = Arena(count: n * n), b = Arena(count: n * n), c = Arena(count: n * n)
        var rng = SplitMix64(seed: 5)
        for i in 0..<(n * n) { a[i].pointee = Float(rng.next() >> 40) / Float(1 << 24) - 0.5; b[i].pointee = a[i].pointee }
        let t = Timings.measure(warmup: 2, count: 10) {
            Gemm.run(transA: false, transB: true, M: n, N: n, K: n, A: a[0], lda: n, B: b[0], ldb: n, beta: 0, C: c[0], ldc: n)
        }
        return 2 * Double(n * n * n) / t.bestWall / 1e9
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
    static func train(_ s: EngineBenchShape, steps: Int, options o: EngineBenchOptions, peak: Double, python: PythonBaseline,
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
        let t = try Timings.measure(warmup: o.warmup, count: steps) {
            model.zeroGradients()
            _ = try model.forward(batch)
            try model.backward(logProbCoefficients: coefficients)
            optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-4, threads: o.threads)
        }
        let tokens = Double(s.batch * s.length), flops = trainingFLOPs(s, model: model)
        emit(String(format: "FLOPs per step: %.1f GFLOP (6·params·tokens + causal attention)", flops / 1e9))
        emit(sideLine("dispo", t, tokens: tokens, flops: flops, peak: peak))
        var arguments = ["--part", "train", "--name", s.name, "--steps", "\(steps)", "--warmup", "\(o.warmup)"] + s.pythonArguments
        arguments += ["--threads", "\(o.threads)"]
        guard let torch = python.run(arguments, emit: emit) else { return nil }
        emit(sideLine("pytorch \(torch.version)", torch.timings, tokens: tokens, flops: flops, peak: peak))
        return ratio(dispo: t, torch: torch.timings, emit: emit)
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
        let t = try Timings.measure(warmup: o.warmup, count: o.steps) {
            let results = try generator.generate(requests, parameters: parameters)
            precondition(results.allSatisfy { $0.tokens.count == o.newTokens }, "every sequence makes newTokens tokens")
        }
        let tokens = Double(b * o.newTokens)
        emit(sideLine("dispo", t, tokens: tokens, flops: nil, peak: nil))
        var arguments = ["--part", "sample", "--name", "sample-\(b)", "--batch", "\(b)", "--steps", "\(o.steps)",
                         "--warmup", "\(o.warmup)", "--prompt-tokens", "\(o.promptTokens)", "--new-tokens", "\(o.newTokens)",
                         "--threads", "\(o.threads)"] + s.pythonArguments.prefix(12)
        if o.greedy { arguments.append("--greedy") }
        guard let torch = python.run(arguments, emit: emit) else { return nil }
        emit(sideLine("pytorch \(torch.version) generate", torch.timings, tokens: tokens, flops: nil, peak: nil))
        return ratio(dispo: t, torch: torch.timings, emit: emit)
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
        emit(String(format: "ratio vs PyTorch: %.2f", wall))
        emit(String(format: "  (per CPU-second: %.2f)", torch.bestCPU / dispo.bestCPU))
        return wall
    }
}

/// Runs Tools/bench_engine.py for one measurement; reports (once) why when it cannot.
final class PythonBaseline {
    struct Result { var version: String; var timings: Timings }
    let options: EngineBenchOptions
    var unavailable = false

    init(options: EngineBenchOptions) { self.options = options }

    func run(_ arguments: [String], emit: (String) -> Void) -> Result? {
        if unavailable { emit("pytorch: skipped (baseline unavailable, see above)"); emit("ratio vs PyTorch: n/a"); return nil }
        let errPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("dispo-engine-bench-\(ProcessInfo.processInfo.processIdentifier).err").path
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [options.python, options.script] + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"] { environment[key] = "\(options.threads)" }
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: errPath)
        do { try process.run() } catch {
            return fail("could not start \(options.python) (\(error)); pass --python PATH", emit: emit)
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errText = ((try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            let install = "install the baseline with: python3 -m venv .venv-torch && .venv-torch/bin/pip install \"torch==2.13.0+cpu\" "
                + "transformers --extra-index-url https://download.pytorch.org/whl/cpu; then --python .venv-torch/bin/python"
            let missing = process.terminationStatus == 3 || process.terminationStatus == 127
            return fail("\(options.python) \(options.script) failed (exit \(process.terminationStatus)): \(errText.suffix(600))"
                        + (missing ? "\n" + install : ""), emit: emit, permanent: missing)
        }
        let last = String(decoding: out, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let json = try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any],
              let walls = json["seconds"] as? [Double], let cpus = json["cpu_seconds"] as? [Double], !walls.isEmpty else {
            return fail("unreadable output: \(InputError.excerpt(last))", emit: emit)
        }
        let version = "\(json["torch_version"] as? String ?? "?") + transformers \(json["transformers_version"] as? String ?? "?")"
        return Result(version: version, timings: Timings(walls: walls, cpus: cpus))
    }

    private func fail(_ why: String, emit: (String) -> Void, permanent: Bool = true) -> Result? {
        unavailable = unavailable || permanent
        emit("pytorch: \(why)")
        emit("ratio vs PyTorch: n/a")
        return nil
    }
}
