// `dispo bench verifier` and `dispo bench losses`.

import ArgumentParser
import DispoBench
import DispoSupport

struct BenchVerifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verifier", abstract: "Verifier + filters throughput on 1k-token responses, one core (goal 20k/s).")

    @Option(parsing: .unconditional, help: "Synthetic responses, in [1, 10000000].") var responses = 4000
    @Option(parsing: .unconditional, help: "Tokens per response, in [1, 1048576].") var tokens = 1000
    @Option(parsing: .unconditional, help: "Repeats (best is reported), in [1, 1000].") var repeatCount = 3

    func validate() throws {
        try Flags.check(responses, "--responses", 1...10_000_000)
        try Flags.check(tokens, "--tokens", Limits.newTokens)
        try Flags.check(repeatCount, "--repeat-count", 1...1000)
    }

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

    @Option(parsing: .unconditional, help: "Tokens in the loss batch, in [1, 268435456].") var tokens = 1 << 20

    func validate() throws { try Flags.check(tokens, "--tokens", 1...(1 << 28)) }

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
    @Option(parsing: .unconditional, help: "Learner steps per run, in [1, 100000].") var steps = 30
    @Option(name: .customLong("set"), help: "Override a key: path=value (repeatable).") var overrides: [String] = []

    func run() async throws {
        try Flags.check(steps, "--steps", 1...100_000)
        var options = StreamingBenchOptions()
        options.pipeline = pipeline
        options.steps = steps
        options.overrides = overrides
        try await StreamingBench.run(options)
    }
}
