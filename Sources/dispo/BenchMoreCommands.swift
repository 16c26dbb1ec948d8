// `dispo bench verifier` and `dispo bench losses`.

import ArgumentParser
import DispoBench

struct BenchVerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier", abstract: "Verifier + filters throughput on 1k-token responses, one core (goal 20k/s).")

    @Option(help: "Synthetic responses.") var responses = 4000
    @Option(help: "Tokens per response.") var tokens = 1000
    @Option(help: "Repeats (best is reported).") var repeatCount = 3

    func run() async throws {
        var options = VerifierBenchOptions()
        options.responses = responses
        options.tokensPerResponse = tokens
        options.repeatCount = repeatCount
        VerifierBench.run(options)
    }
}

struct BenchLossesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "losses", abstract: "Policy-loss cost per token next to the engine's forward + backward.")

    @Option(help: "Tokens in the loss batch.") var tokens = 1 << 20

    func run() async throws {
        var options = LossBenchOptions()
        options.tokens = tokens
        try LossBench.run(options)
    }
}

struct BenchStreamingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streaming", abstract: "The same pipeline with max_staleness 1 against 0: steps/min and stage times.")

    @Option(help: "Pipeline file.") var pipeline = "Pipelines/quickstart.json"
    @Option(help: "Learner steps per run.") var steps = 30
    @Option(name: .customLong("set"), help: "Override a key: path=value (repeatable).") var overrides: [String] = []

    func run() async throws {
        var options = StreamingBenchOptions()
        options.pipeline = pipeline
        options.steps = steps
        options.overrides = overrides
        try await StreamingBench.run(options)
    }
}
