// `dispo bench serve`: sampling throughput of `dispo serve` under concurrent clients against the same
// sampling in-process (same model, same threads, the same C·G sequences per round). In-process, every round
// is one Generator call over C prompts × G samples; served, C clients each send one request (n = G) per
// round over HTTP and the server batches them. Every sample runs exactly max-new-tokens tokens (no stop
// tokens), so both sides do the same work. Runs alternate (in-process, served, in-process, served, …);
// the best of each is reported, with the ratio (goal ≥ 0.9).

import DispoEngine
import DispoRollout
import DispoSupport
import Foundation

public struct ServeBenchOptions: Sendable {
    public var modelDirectory: String
    public var clients = 8
    public var rounds = 3
    public var samples = 8
    public var promptTokens = 32
    public var maxNewTokens = 64
    public var threads = 1
    public var repeats = 2
    public init(modelDirectory: String) { self.modelDirectory = modelDirectory }
}

public enum ServeBench {
    public static func run(_ o: ServeBenchOptions, print: @Sendable (String) -> Void) async throws {
        let model = try Transformer.load(directory: o.modelDirectory)
        Gemm.setThreads(o.threads)
        model.threads = o.threads
        let V = model.config.vocabSize
        var rng = SplitMix64(seed: 11)
        let prompts = (0..<o.clients).map { _ in (0..<o.promptTokens).map { _ in Int32(rng.next() % UInt64(V)) } }
        let parameters = SamplingParameters(temperature: 1, topP: 1, topK: 0, maxNewTokens: o.maxNewTokens, stopTokens: [])
        let sequences = o.clients * o.samples
        let tokens = Double(sequences * o.maxNewTokens * o.rounds)
        var serveOptions = ServeOptions(modelDirectory: o.modelDirectory)
        serveOptions.port = 0
        serveOptions.threads = o.threads
        serveOptions.maxBatch = sequences
        let server = try await DispoServer(serveOptions)
        let serving = Task { try await server.run() }
        let url = "http://127.0.0.1:\(server.http.port)"
        let transport = URLSessionTransport(connections: o.clients)
        print("dispo bench serve: \(o.modelDirectory), \(o.clients) clients × n=\(o.samples), \(o.promptTokens)-token prompts, "
              + "\(o.maxNewTokens) new tokens, \(o.rounds) rounds, \(o.threads) thread(s)")
        var best = (local: 0.0, served: 0.0)
        let generator = Generator(model: model, slots: sequences, capacity: o.promptTokens + o.maxNewTokens)
        for r in 0..<o.repeats {
            var started = Date()
            for round in 0..<o.rounds {
                let requests = prompts.enumerated().flatMap { p, ids in
                    (0..<o.samples).map { GenerationRequest(prompt: ids, key: SampleKey(runSeed: 1, step: UInt64(round), prompt: UInt64(p), sample: UInt64($0))) }
                }
                _ = try generator.generate(requests, parameters: parameters)
            }
            let local = tokens / Date().timeIntervalSince(started)
            started = Date()
            let before = server.worker.status
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (p, ids) in prompts.enumerated() {
                    group.addTask {
                        for round in 0..<o.rounds {
                            let prompt = RolloutPrompt(ids: ids, runSeed: 1, step: UInt64(round), prompt: UInt64(p), samples: o.samples)
                            let body = CompletionsWire.request(prompt, parameters: parameters, model: nil, ignoreEOS: true)
                            let reply = try await transport.call(url + CompletionsWire.route, body: body, timeout: 3600)
                            let answer = try CompletionsWire.parse(reply.body, source: url, expected: o.samples)
                            guard answer.samples.allSatisfy({ $0.tokens.count == o.maxNewTokens }) else {
                                throw ServeError(500, "a served sample stopped early; the comparison needs full-length samples")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let served = tokens / Date().timeIntervalSince(started)
            let after = server.worker.status
            let engine = Double(after.tokens - before.tokens) / (after.seconds - before.seconds)
            best = (max(best.local, local), max(best.served, served))
            print(String(format: "  run %d: in-process %.0f tok/s, served %.0f tok/s (%.2fx); the server's engine alone %.0f tok/s in %d batches",
                         r + 1, local, served, served / local, engine, after.batches - before.batches))
        }
        let status = server.worker.status
        print(String(format: "best: in-process %.0f tok/s, served %.0f tok/s, ratio %.2f (goal ≥ 0.9); server ran %d engine batches for %d samples",
                     best.local, best.served, best.served / best.local, status.batches, status.samples))
        await server.shutdown()
        _ = try? await serving.value
    }
}
