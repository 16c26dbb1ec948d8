// `dispo serve`: the engine behind a vLLM-compatible HTTP API (docs/SERVING.md).

import ArgumentParser
import DispoServe
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

    @Option(help: "Hugging Face model directory.") var model: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port; the bound port is printed).") var port = 8000
    @Option(help: "Compute threads (BLAS and element-wise layers).") var threads = 1
    @Option(help: "Samples per engine batch at most.") var maxBatch = 64
    @Option(help: "Milliseconds a batch may wait for more requests to arrive (0 = start at once).") var batchWindowMs = 20.0
    @Option(help: "Prompt + new tokens at most (default: the model's max_position_embeddings).") var maxModelLen: Int?
    @Option(help: "The model name /v1/models reports and requests may name (default: --model as given).") var servedModelName: String?
    @Option(help: "processed_logprobs (at the sampling temperature, as local sampling) or raw_logprobs (before temperature, vLLM's default).")
    var logprobsMode = "processed_logprobs"

    func validate() throws {
        guard (1...4096).contains(threads) else { throw ValidationError("--threads must be in 1...4096") }
        guard (1...65536).contains(maxBatch) else { throw ValidationError("--max-batch must be in 1...65536") }
        guard batchWindowMs >= 0 && batchWindowMs <= 10_000 else { throw ValidationError("--batch-window-ms must be in 0...10000") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be in 0...65535") }
        guard ["processed_logprobs", "raw_logprobs"].contains(logprobsMode) else {
            throw ValidationError("--logprobs-mode must be processed_logprobs or raw_logprobs")
        }
    }

    func run() async throws {
        var options = ServeOptions(modelDirectory: model)
        options.host = host
        options.port = port
        options.threads = threads
        options.maxBatch = maxBatch
        options.maxModelLength = maxModelLen
        options.servedModelName = servedModelName
        options.rawLogProbs = logprobsMode == "raw_logprobs"
        options.batchWindow = batchWindowMs / 1000
        let server = try await DispoServer(options)
        let bound = server.http.port
        try await server.runUntilSignalled {
            FileHandle.standardError.write(Data("dispo serve: listening on http://\(host):\(bound) (model \(model))\n".utf8))
        }
        FileHandle.standardError.write(Data("dispo serve: stopped\n".utf8))
    }
}

struct BenchServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "dispo serve under concurrent clients against in-process sampling (goal ≥ 0.9×).")

    @Option(help: "Model directory.") var model = "Data/models/tiny-char-sft"
    @Option(help: "Concurrent clients (one prompt each per round).") var clients = 8
    @Option(help: "Samples per request (n).") var n = 8
    @Option(help: "Rounds per run.") var rounds = 3
    @Option(help: "Prompt tokens.") var promptTokens = 32
    @Option(help: "New tokens per sample.") var maxNewTokens = 64
    @Option(help: "Compute threads.") var threads = 1
    @Option(help: "Alternating runs (best is reported).") var repeats = 2

    func run() async throws {
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
