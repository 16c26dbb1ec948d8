// `dispo bench engine`: engine training-step and sampling throughput against PyTorch (Tools/bench_engine.py,
// torch CPU + transformers) with the same thread count, in the same run. Parses flags and calls
// DispoBench.EngineBench.

import ArgumentParser
import DispoBench

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
    @Option(help: "Threads per side (BLAS and element-wise layers; torch.set_num_threads).") var threads = 1
    @Option(help: "Timed steps of train-a, and timed generate runs per sampling batch (each side, alternating).") var steps = 5
    @Option(help: "Timed steps of train-b (each side, alternating).") var stepsB = 2
    @Option(help: "Untimed warm-up steps before the timed ones.") var warmup = 1
    @Option(help: "Sampling batch sizes, comma-separated.") var batches = "1,16,64"
    @Option(help: "Prompt tokens per sequence when sampling.") var promptTokens = 64
    @Option(help: "New tokens per sequence when sampling.") var newTokens = 128
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
        guard threads >= 1, steps >= 1, stepsB >= 1, warmup >= 0, promptTokens >= 1, newTokens >= 1 else {
            throw ValidationError("--threads, --steps, --steps-b, --prompt-tokens, --new-tokens must be ≥ 1, --warmup ≥ 0")
        }
        options.sampleBatches = try batches.split(separator: ",").map {
            guard let b = Int($0), b >= 1 else { throw ValidationError("--batches: \($0) is not a positive integer") }
            return b
        }
        options.threads = threads
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
