// `dispo serve`: loads a model directory, starts the engine worker and the HTTP server, and runs until
// SIGTERM or SIGINT, then shuts down cleanly: the listener closes, queued requests that have not started are
// refused (503), the running batch finishes and is answered, connections close, and `run` returns.

import DispoEngine
import DispoSupport
import DispoTokenizers
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ServeOptions: Sendable {
    public var modelDirectory: String
    public var host = "127.0.0.1"
    public var port = 8000
    public var threads = 1
    /// Samples per engine batch at most.
    public var maxBatch = 64
    /// Prompt + new tokens at most; nil = the model's max_position_embeddings.
    public var maxModelLength: Int?
    /// The "model" name of /v1/models; nil = the model directory as given.
    public var servedModelName: String?
    public var rawLogProbs = false
    /// Seconds a batch may wait for more requests (0 = start at once).
    public var batchWindow = 0.02
    /// Products of the prompt tokens (`Generator.usePrefillPrecision`).
    public var prefillPrecision = PrefillPrecision.f32

    public init(modelDirectory: String) { self.modelDirectory = modelDirectory }
}

public final class DispoServer: Sendable {
    public let worker: EngineWorker
    public let http: HTTPServer
    public let routes: ServeRoutes

    /// Loads the model and binds the port (0 = any free port: see `http.port`).
    public init(_ o: ServeOptions) async throws {
        let model = try Transformer.load(directory: o.modelDirectory)
        Gemm.setThreads(o.threads)
        model.threads = o.threads
        var eos = Set(model.config.eosTokenIDs.map { Int32($0) })
        if let generation = try GenerationConfig.load(directory: o.modelDirectory) { eos.formUnion(generation.eosTokenIDs.map { Int32($0) }) }
        let tokenizer = try Self.tokenizer(o.modelDirectory)
        if let eosToken = tokenizer?.eosTokenID { eos.insert(eosToken) }
        let length = o.maxModelLength ?? model.config.maxPositionEmbeddings
        guard length >= 2 else { throw InputError(file: "--max-model-len", expected: "at least 2 tokens", found: "\(length)") }
        if let why = o.prefillPrecision.unavailability {
            throw InputError(file: "--prefill-precision", expected: "a precision this machine can run", found: "\(o.prefillPrecision.rawValue): \(why)")
        }
        worker = EngineWorker(model: model, maxBatch: o.maxBatch, maxModelLength: length, rawLogProbs: o.rawLogProbs, window: o.batchWindow,
                              prefillPrecision: o.prefillPrecision)
        let limits = ModelLimits(vocab: model.config.vocabSize, maxModelLength: length, eos: eos,
                                 servedName: o.servedModelName ?? o.modelDirectory)
        let routes = ServeRoutes(worker: worker, limits: limits, modelDirectory: o.modelDirectory, tokenizer: tokenizer)
        self.routes = routes
        http = try await HTTPServer(host: o.host, port: o.port) { await routes.handle($0) }
        worker.start()
    }

    /// The model directory's tokenizer, when it has one (used only to fill in `text`).
    static func tokenizer(_ directory: String) throws -> (any Tokenizer)? {
        let files = ["tokenizer.json", "vocab.json"].map { directory + "/" + $0 }
        guard files.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return try TokenizerLoader.load(directory)
    }

    /// Serves until `shutdown()`.
    public func run() async throws {
        try await http.run()
    }

    public func shutdown() async {
        http.shutdown()
        await worker.stop()
    }

    /// Serves until SIGTERM or SIGINT, then shuts down; `ready` is called once the server accepts requests.
    public func runUntilSignalled(ready: @Sendable () -> Void = {}) async throws {
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let sources = [SIGTERM, SIGINT].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        for source in sources {
            source.setEventHandler { [self] in Task { await self.shutdown() } }
            source.resume()
        }
        defer { sources.forEach { $0.cancel() } }
        ready()
        try await run()
        await worker.stop()
    }
}
