// `dispo serve`: the engine behind a vLLM-compatible HTTP API (docs/SERVING.md).

import ArgumentParser
import DispoBench
import DispoServe
import DispoSupport
import Foundation

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a model over HTTP: vLLM's /v1/completions (token ids), SGLang's /generate, weight reloads.",
        discussion: """
        Routes: GET /health, GET /v1/models, POST /v1/completions, POST /generate, POST /update_weights \
        {"weight_dir": DIR}, POST /collective_rpc {"method": "reload_weights", "kwargs": {"weights_path": DIR}}, \
        POST /update_weights_from_disk {"model_path": DIR}. Concurrent requests share engine batches. \
        SIGTERM or SIGINT: finish the running batch, refuse queued work, exit 0. Protocol: docs/SERVING.md.
        """)

    @OptionGroup var modelOption: ModelOption
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(parsing: .unconditional, help: "Port (0 = any free port; the bound port is printed), in [0, 65535].") var port = 8000
    @OptionGroup var threadOption: ThreadOption
    @Option(parsing: .unconditional, help: "Samples per engine batch at most, in [1, 65536].") var maxBatch = 64
    @Option(parsing: .unconditional, help: "Milliseconds a batch may wait for more requests to arrive (0 = start at once), in [0, 10000].")
    var batchWindowMs = 20.0
    @Option(parsing: .unconditional, help: "Prompt + new tokens at most (default: the model's max_position_embeddings), in [2, 2097152].")
    var maxModelLen: Int?
    @Option(help: "The model name /v1/models reports and requests may name (default: --model as given).") var servedModelName: String?
    @Option(help: "processed_logprobs (at the sampling temperature, as local sampling) or raw_logprobs (before temperature, vLLM's default).")
    var logprobsMode = "processed_logprobs"
    @Option(help: "Products of the prompt tokens: f32 (default, exact) or bf16 (oneDNN; see dispo sample --help).")
    var prefillPrecision = "f32"

    func validate() throws {
        _ = try parsePrefillPrecision(prefillPrecision)
        try Flags.check(maxBatch, "--max-batch", 1...65_536)
        try Flags.check(batchWindowMs, "--batch-window-ms", 0...10_000)
        try Flags.check(port, "--port", 0...65_535)
        if let maxModelLen { try Flags.check(maxModelLen, "--max-model-len", 2...(2 * Limits.newTokens.upperBound)) }
        guard ["processed_logprobs", "raw_logprobs"].contains(logprobsMode) else {
            throw ValidationError("--logprobs-mode must be processed_logprobs or raw_logprobs")
        }
    }

    func run() async throws {
        let model = modelOption.model
        var options = ServeOptions(modelDirectory: model)
        options.host = host
        options.port = port
        options.threads = threadOption.threads
        options.maxBatch = maxBatch
        options.maxModelLength = maxModelLen
        options.servedModelName = servedModelName
        options.rawLogProbs = logprobsMode == "raw_logprobs"
        options.batchWindow = batchWindowMs / 1000
        options.prefillPrecision = try parsePrefillPrecision(prefillPrecision)
        let server = try await DispoServer(options)
        let bound = server.http.port
        try await server.runUntilSignalled {
            StandardError.line("dispo serve: listening on http://\(host):\(bound) (model \(model))")
        }
        StandardError.line("dispo serve: stopped")
    }
}

struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "dispo serve under concurrent clients against in-process sampling (goal ≥ 0.9×).")

    @Option(help: "Model directory.") var model = "Data/models/tiny-char-sft"
    @Option(parsing: .unconditional, help: "Concurrent clients (one prompt each per round), in [1, 1024].") var clients = 8
    @Option(parsing: .unconditional, help: "Samples per request (n), in [1, 65536].") var n = 8
    @Option(parsing: .unconditional, help: "Rounds per run, in [1, 10000].") var rounds = 3
    @Option(parsing: .unconditional, help: "Prompt tokens, in [1, 1048576].") var promptTokens = 32
    @Option(parsing: .unconditional, help: "New tokens per sample, in [1, 1048576].") var maxNewTokens = 64
    @OptionGroup var threadOption: ThreadOption
    @Option(parsing: .unconditional, help: "Alternating runs (best is reported), in [1, 1000].") var repeats = 2

    func validate() throws {
        try Flags.check(clients, "--clients", 1...1024)
        try Flags.check(n, "--n", Limits.samples)
        try Flags.check(rounds, "--rounds", 1...10_000)
        try Flags.check(promptTokens, "--prompt-tokens", Limits.newTokens)
        try Flags.check(maxNewTokens, "--max-new-tokens", Limits.newTokens)
        try Flags.check(repeats, "--repeats", 1...1000)
    }

    func run() async throws {
        let threads = threadOption.threads
        var options = ServeBenchOptions(modelDirectory: model)
        options.clients = clients
        options.samples = n
        options.rounds = rounds
        options.promptTokens = promptTokens
        options.maxNewTokens = maxNewTokens
        options.threads = threads
        options.repeats = repeats
        try await ServeBench.run(options) { print($0) }
    }
}

struct BenchServePoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-pool",
        abstract: "A pipeline sampling on a pool of dispo serve servers (in this process, 127.0.0.1) against sampling locally.")

    @Option(help: "Pipeline file; its model must be a directory (the servers load it).") var pipeline = "Pipelines/quickstart.json"
    @Option(parsing: .unconditional, help: "Learner steps per run, in [1, 100000].") var steps = 20
    @Option(parsing: .unconditional, help: "Servers in the pool, in [1, 64].") var servers = 2
    @Option(parsing: .unconditional, help: "Alternating rounds (local, then pool), in [1, 100].") var rounds = 2
    @Option(name: .customLong("set"), help: "Override a key of the pipeline: path=value (repeatable).") var overrides: [String] = []

    func validate() throws {
        try Flags.check(steps, "--steps", 1...100_000)
        try Flags.check(servers, "--servers", 1...64)
        try Flags.check(rounds, "--rounds", 1...100)
    }

    func run() async throws {
        var o = PoolPipelineBenchOptions()
        o.pipeline = pipeline
        o.steps = steps
        o.servers = servers
        o.rounds = rounds
        o.overrides = overrides
        try await PoolPipelineBench.run(o) { try? StandardOutput.line($0); try? StandardOutput.flush() }
    }
}
