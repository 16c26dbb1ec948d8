// `dispo bench engine`: engine training-step and sampling throughput against PyTorch (Tools/bench_engine.py,
// torch CPU + transformers) with the same thread count, in the same run. Parses flags and calls
// DispoBench.EngineBench.

import ArgumentParser
import DispoBench
import DispoSupport

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

    @Option(help: "Parts to run, comma-separated: train-a, train-b, sample (default: all).") var only: String?
    @OptionGroup var threadOption: ThreadOption
    @Option(parsing: .unconditional, help: "Timed steps of train-a, and timed generate runs per sampling batch (each side, alternating), in [1, 10000].") var steps = 5
    @Option(parsing: .unconditional, help: "Timed steps of train-b (each side, alternating), in [1, 10000].") var stepsB = 2
    @Option(parsing: .unconditional, help: "Untimed warm-up steps before the timed ones, in [0, 10000].") var warmup = 1
    @Option(help: "Sampling batch sizes, comma-separated, each in [1, 65536].") var batches = "1,16,64"
    @Option(parsing: .unconditional, help: "Prompt tokens per sequence when sampling, in [1, 1048576].") var promptTokens = 64
    @Option(parsing: .unconditional, help: "New tokens per sequence when sampling, in [1, 1048576].") var newTokens = 128
    @Flag(help: "Greedy decoding on both sides (default: sampling at temperature 1).") var greedy = false
    @Option(help: "Python interpreter with torch and transformers.") var python = "python3"

    func run() async throws {
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
        options.sampleBatches = try batches.split(separator: ",").map {
            guard let b = Int($0), (1...65_536).contains(b) else { throw ValidationError("--batches: \($0) is not a whole number in [1, 65536]") }
            return b
        }
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
}
