// `dispo bench engine`: engine training-step and sampling throughput against PyTorch (Tools/bench_engine.py,
// torch CPU + transformers) with the same thread count, in the same run. Parses flags and calls
// DispoBench.EngineBench.

import ArgumentParser
import DispoBench
import DispoEngine
import DispoSupport
import Foundation

struct BenchEngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Training step and sampling throughput vs PyTorch; one `ratio vs PyTorch: X.XX` line per comparison.",
        discussion: """
            Parts: train-a (hidden 256, 4 layers, vocab 512, 16×256 tokens), train-b (hidden 1024, 8 layers, 16 heads, \
            4 KV heads, ffn 2816, vocab 32000, 4×512 tokens), sample (shape a, batches 1/16/64, 128 new tokens after 64). \
            Reports wall and CPU seconds of the best step, GFLOP/s of training against an OpenBLAS sgemm peak measured in \
            the same run. The baseline needs torch and transformers:
              python3 -m venv .venv-torch && .venv-torch/bin/pip install "torch==2.13.0+cpu" transformers \
            --extra-index-url https://download.pytorch.org/whl/cpu   then   --python .venv-torch/bin/python
            """)

    @Option(help: "A real model shape instead of the small ones: qwen2.5-0.5b or qwen2.5-1.5b (random weights; whole processes against PyTorch; parts sample, learn).")
    var shape: String?
    @Option(help: "Parts to run, comma-separated: train-a, train-b, sample (default: all); with --shape: sample, learn (default), step, prefill (bf16 vs f32 prefill logits).") var only: String?
    @OptionGroup var threadOption: ThreadOption
    @Option(parsing: .unconditional, help: "Timed steps of train-a, and timed generate runs per sampling batch (each side, alternating), in [1, 10000].") var steps = 5
    @Option(parsing: .unconditional, help: "Timed steps of train-b (each side, alternating), in [1, 10000].") var stepsB = 2
    @Option(parsing: .unconditional, help: "Untimed warm-up steps before the timed ones, in [0, 10000].") var warmup = 1
    @Option(help: "Sampling batch sizes, comma-separated (default 1,16,64; with --shape 1,8,32).") var batches: String?
    @Option(help: "With --shape: prompt lengths, comma-separated.") var promptLengths = "64,512"
    @Option(parsing: .unconditional, help: "With --shape: alternating rounds per comparison, in [1, 1000].") var rounds = 3
    @Option(help: "With --shape: decode weights f32 or bf16 (default: automatic, as dispo sample).") var precision: String?
    @Flag(help: "With --shape: sample from packed weights loaded straight from the directory (no fp32 arena).") var lean = false
    @Option(help: "With --shape: products of dispo's prompt tokens, f32 (exact), bf16 (oneDNN; see dispo sample --help), or f32,bf16 (both in every round).") var prefillPrecision = "f32"
    @Option(help: "With --shape: AdamW moments of dispo learn, f32 or bf16.") var adamMoments = "f32"
    @Flag(help: "With --shape: do not run the PyTorch learner.") var noTorchLearn = false
    @Option(help: "With --shape: directory for the model, prompts and outputs.") var workDir = "runs/bench-engine"
    @Option(help: "With --shape and --only step: tokens of the in-process training step, BxT.") var stepTokens = "1x256"
    @Option(parsing: .unconditional, help: "Prompt tokens per sequence when sampling, in [1, 1048576].") var promptTokens = 64
    @Option(parsing: .unconditional, help: "New tokens per sequence when sampling, in [1, 1048576].") var newTokens = 128
    @Flag(help: "Greedy decoding on both sides (default: sampling at temperature 1).") var greedy = false
    @Option(help: "Python interpreter with torch and transformers.") var python = "python3"

    func run() async throws {
        if let shape { return try runShape(shape) }
        var options = EngineBenchOptions(script: EngineBench.defaultScript())
        if let only {
            options.parts = try only.split(separator: ",").map { name in
                guard let part = EngineBenchOptions.Part(rawValue: String(name)) else {
                    throw ValidationError("--only: unknown part \(name); known: "
                        + EngineBenchOptions.Part.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return part
            }
        }
        try Flags.check(steps, "--steps", 1...10_000)
        try Flags.check(stepsB, "--steps-b", 1...10_000)
        try Flags.check(warmup, "--warmup", 0...10_000)
        try Flags.check(promptTokens, "--prompt-tokens", Limits.newTokens)
        try Flags.check(newTokens, "--new-tokens", Limits.newTokens)
        options.sampleBatches = try Self.positiveList(batches ?? "1,16,64", "--batches")
        options.threads = threadOption.threads
        options.steps = steps
        options.stepsB = stepsB
        options.warmup = warmup
        options.promptTokens = promptTokens
        options.newTokens = newTokens
        options.greedy = greedy
        options.python = python
        try EngineBench.run(options)
    }

    static func positiveList(_ text: String, _ flag: String) throws -> [Int] {
        try text.split(separator: ",").map {
            guard let b = Int($0), (1...65_536).contains(b) else { throw ValidationError("\(flag): \($0) is not a whole number in [1, 65536]") }
            return b
        }
    }

    func runShape(_ name: String) throws {
        guard let shape = RealShape(rawValue: name) else {
            throw ValidationError("--shape must be one of \(RealShape.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try Flags.check(rounds, "--rounds", 1...1000)
        try Flags.check(newTokens, "--new-tokens", 2...Limits.newTokens.upperBound)
        let scripts = (EngineBench.defaultScript() as NSString).deletingLastPathComponent
        var o = RealShapeBenchOptions(shape: shape, scripts: scripts, dispo: "/proc/self/exe", workDirectory: workDir)
        if let only {
            o.parts = try only.split(separator: ",").map { part in
                guard let p = RealShapeBenchOptions.Part(rawValue: String(part)) else {
                    throw ValidationError("--only with --shape: sample, learn, step or prefill, got \(part)")
                }
                return p
            }
        }
        let step = try Self.positiveList(stepTokens.replacingOccurrences(of: "x", with: ","), "--step-tokens")
        guard step.count == 2 else { throw ValidationError("--step-tokens must be BxT, e.g. 1x256") }
        (o.stepBatch, o.stepLength) = (step[0], step[1])
        o.batches = try Self.positiveList(batches ?? "1,8,32", "--batches")
        o.promptLengths = try Self.positiveList(promptLengths, "--prompt-lengths")
        o.newTokens = newTokens
        o.threads = threadOption.threads
        o.rounds = rounds
        if let precision {
            guard let p = DecodeWeights.Precision(rawValue: precision) else { throw ValidationError("--precision must be f32 or bf16") }
            o.precision = p
        }
        o.lean = lean
        o.prefillPrecisions = try prefillPrecision.split(separator: ",").map { try parsePrefillPrecision(String($0)) }
        guard !o.prefillPrecisions.isEmpty, Set(o.prefillPrecisions).count == o.prefillPrecisions.count else {
            throw ValidationError("--prefill-precision: expected f32, bf16 or f32,bf16, found \(prefillPrecision)")
        }
        guard let moments = AdamWConfig.MomentPrecision(rawValue: adamMoments) else { throw ValidationError("--adam-moments must be f32 or bf16") }
        o.adamMoments = moments
        o.torchLearn = !noTorchLearn
        o.python = python
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        try RealShapeBench.run(o)
    }
}

/// `dispo bench engine-sample`: the dispo side of `dispo bench engine --shape`'s sampling runs (a whole process:
/// load a model directory, generate for every prompt at once, print the phases as JSON).
struct BenchEngineSampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine-sample",
        abstract: "One whole-process sampling run for `dispo bench engine --shape` (load + generate; phases as JSON).",
        shouldDisplay: false)

    @Option(help: "Model directory.") var model: String
    @Option(help: "JSONL of {\"prompt_ids\": [...]}; all prompts run at once.") var prompts: String
    @Option(parsing: .unconditional, help: "New tokens per prompt, in [1, 1048576].") var newTokens = 128
    @OptionGroup var threadOption: ThreadOption
    @Option(help: "Decode weights f32 or bf16 (default: automatic).") var precision: String?
    @Flag(help: "Packed weights loaded straight from the directory (no fp32 arena).") var lean = false
    @Flag(help: "Greedy decoding.") var greedy = false
    @Option(help: "Products of the prompt tokens, f32 or bf16.") var prefillPrecision = "f32"

    func run() async throws {
        var o = SampleChildOptions(model: model, prompts: prompts)
        o.newTokens = newTokens
        try Flags.check(newTokens, "--new-tokens", Limits.newTokens)
        o.threads = threadOption.threads
        if let precision {
            guard let p = DecodeWeights.Precision(rawValue: precision) else { throw ValidationError("--precision must be f32 or bf16") }
            o.precision = p
        }
        o.lean = lean
        o.greedy = greedy
        o.prefillPrecision = try parsePrefillPrecision(prefillPrecision)
        try StandardOutput.line(try SampleChild.run(o))
    }
}

/// `dispo bench export`: writes small models the way dispo saves them, with the engine's log-probs, for
/// Tools/make_engine_fixtures.py --check-export to load in transformers and compare.
struct BenchExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Small models saved by dispo (BF16 Qwen2, F32 Llama) with the engine's log-probs, for the transformers check.",
        discussion: "Run by `python Tools/make_engine_fixtures.py --check-export PATH/TO/dispo`, which loads each directory in "
            + "transformers and compares log-probs and entropies (tolerance 1e-4).")

    @Option(help: "Directory to write (one subdirectory per model).") var out: String

    func run() async throws {
        for directory in try ModelExport.run(directory: out) { try StandardOutput.line(directory) }
    }
}
