// `dispo bench allreduce`: all-reduce bandwidth and the gradient all-reduce's share of a learner step, run
// under `mpirun -np N` (docs/SCALING.md).

import ArgumentParser
import DispoBench
import DispoDistributed
import DispoLearner

struct BenchAllReduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "All-reduce bandwidth over the ranks, and the gradient all-reduce's share of a learner step (run under mpirun).")

    @Option(parsing: .upToNextOption, help: "Floats per all-reduce (default 2^10 … 2^26).") var sizes: [Int] = []
    @Option(help: "Timed repeats per size (the median is reported).") var repeats = 5
    @Flag(help: "Skip the bandwidth part.") var noBandwidth = false
    @Option(help: "Model directory, or a config.json for random weights: adds the learner part.") var model: String?
    @Option(help: "Prompts per step (all ranks), each a group.") var prompts = 32
    @Option(help: "Rollouts per prompt.") var group = 8
    @Option(help: "Prompt tokens per rollout.") var promptTokens = 24
    @Option(help: "Response tokens per rollout.") var responseTokens = 32
    @Option(help: "Mini-batches (optimizer updates) per step.") var miniBatches = 2
    @Option(help: "Micro-batch size (sequences).") var microBatch = 128
    @Option(help: "Timed learner steps (after one warm-up step).") var steps = 3
    @Option(help: "Optimizer: adamw or sgd (sgd needs no moment buffers: half the memory).") var optimizer = "adamw"
    @Option(help: "BLAS and element-wise threads per rank.") var threads = 1

    func run() async throws {
        var o = AllReduceBenchOptions()
        if !sizes.isEmpty { o.sizes = sizes }
        guard o.sizes.allSatisfy({ $0 >= 1 }), repeats >= 1, steps >= 1, threads >= 1 else {
            throw ValidationError("sizes, --repeats, --steps and --threads must be at least 1")
        }
        guard let kind = OptimizerConfig.Kind(rawValue: optimizer) else { throw ValidationError("--optimizer is adamw or sgd") }
        o.repeats = repeats
        o.bandwidth = !noBandwidth
        o.model = model
        (o.prompts, o.group, o.promptTokens, o.responseTokens) = (prompts, group, promptTokens, responseTokens)
        (o.miniBatches, o.microBatch, o.steps, o.optimizer, o.threads) = (miniBatches, microBatch, steps, kind, threads)
        let communicator = try Distributed.start()
        try AllReduceBench.run(o, communicator: communicator)
        try communicator.finalize()
    }
}
