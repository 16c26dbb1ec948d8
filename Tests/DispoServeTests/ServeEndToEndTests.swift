// `dispo serve` in-process on an ephemeral 127.0.0.1 port, driven by the rollout client: its samples and
// log-probs are bit-identical to the local backend's for the same sample keys (so a pool of dispo serve
// gives the run what local sampling gives), concurrent requests share engine batches, a weight reload
// changes the version and the samples exactly as loading the weights locally does, and the raw log-prob
// mode is caught by the client.

import DispoEngine
import DispoRollout
import DispoServe
import DispoSupport
import Foundation
import XCTest

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let modelDirectory = packageRoot + "/Data/models/tiny-char-sft"

/// A dispo serve running in this process; stopped by `stop()`.
final class RunningServer: Sendable {
    let server: DispoServer
    let task: Task<Void, any Error>
    var url: String { "http://127.0.0.1:\(server.http.port)" }

    init(maxBatch: Int = 64, raw: Bool = false) async throws {
        var o = ServeOptions(modelDirectory: modelDirectory)
        o.port = 0
        o.maxBatch = maxBatch
        o.rawLogProbs = raw
        server = try await DispoServer(o)
        let s = server
        task = Task { try await s.run() }
    }

    func stop() async {
        await server.shutdown()
        _ = try? await task.value
    }
}

final class ServeEndToEndTests: XCTestCase {
    let parameters = SamplingParameters(temperature: 0.8, topP: 0.95, topK: 20, maxNewTokens: 12, stopTokens: [2])

    func prompts(step: UInt64) -> [RolloutPrompt] {
        [[5, 6, 7, 8], [9, 10], [11, 12, 13, 14, 15, 16], [20, 21, 22]].enumerated().map { i, ids in
            RolloutPrompt(ids: ids, runSeed: 77, step: step, prompt: UInt64(1000 + i * 7), samples: 3)
        }
    }

    func local(slots: Int = 5, weights: [Float]? = nil) async throws -> LocalRolloutBackend {
        let model = try Transformer.load(directory: modelDirectory)
        let backend = LocalRolloutBackend(generator: Generator(model: model, slots: slots, capacity: 64))
        try await backend.syncWeights(version: 0, parameters: weights ?? copyOfWeights(model))
        return backend
    }

    func pool(_ urls: [String], dir: String, logprobs: RolloutBackendConfig.LogProbMode = .processed) throws -> ServerPoolBackend {
        var config = RolloutBackendConfig(kind: .openaiCompletions, urls: urls)
        config.logprobs = logprobs
        return try ServerPoolBackend(config: config, modelConfig: try ModelConfig.load(path: modelDirectory + "/config.json"), policyRoot: dir)
    }

    func test_dispo_serve_gives_the_local_samples_bit_for_bit_for_the_same_batch_composition() async throws {
        // Given a server whose engine batches hold one request (3 samples) and a local backend in groups of 3
        let server = try await RunningServer(maxBatch: 3)
        let remote = try pool([server.url], dir: try scratch())
        try await remote.connect()
        let batch = RolloutBatch(prompts: prompts(step: 3), parameters: parameters, policyVersion: 0)
        // When both sample the same prompts with the same keys
        let served = try await remote.generate(batch)
        let expected = try await local(slots: 3).generate(batch)
        await server.stop()
        // Then tokens, log-probs (as Float bits) and finish reasons agree exactly: keys and JSON lose nothing
        XCTAssertEqual(served.map { $0.map(\.tokens) }, expected.map { $0.map(\.tokens) })
        XCTAssertEqual(served.map { $0.map { $0.logProbs.map(\.bitPattern) } }, expected.map { $0.map { $0.logProbs.map(\.bitPattern) } })
        XCTAssertEqual(served.map { $0.map(\.finishReason) }, expected.map { $0.map(\.finishReason) })
    }

    func test_a_pool_batches_concurrent_requests_and_matches_local_sampling_in_other_batches() async throws {
        // Given two servers holding their queues, and the local backend in groups of 5
        let a = try await RunningServer(), b = try await RunningServer()
        a.server.worker.pause()
        b.server.worker.pause()
        let remote = try pool([a.url, b.url], dir: try scratch())
        let batch = RolloutBatch(prompts: prompts(step: 3) + prompts(step: 4), parameters: parameters, policyVersion: 0)
        // When eight requests are lined up (four per server) and the servers let go
        let pending = Task { try await remote.generate(batch) }
        while a.server.worker.queued + b.server.worker.queued < 8 { try await Task.sleep(nanoseconds: 5_000_000) }
        a.server.worker.resume()
        b.server.worker.resume()
        let served = try await pending.value
        let expected = try await local(slots: 5).generate(batch)
        // Then each server ran its four requests as one engine batch
        XCTAssertEqual(a.server.worker.status.batches, 1)
        XCTAssertEqual(b.server.worker.status.batches, 1)
        XCTAssertEqual(a.server.worker.status.samples + b.server.worker.status.samples, 24)
        XCTAssertEqual(Set(served.flatMap { $0.map(\.server) }), [a.url, b.url])
        // And the samples are the local ones: same tokens; log-probs equal up to the engine's rounding in
        // other batch shapes (BLAS sums in another order for another number of rows)
        XCTAssertEqual(served.map { $0.map(\.tokens) }, expected.map { $0.map(\.tokens) })
        let deltas = zip(served.joined(), expected.joined()).flatMap { zip($0.logProbs, $1.logProbs).map { abs($0 - $1) } }
        XCTAssertLessThanOrEqual(deltas.max() ?? 1, 1e-5)
        await a.stop()
        await b.stop()
    }

    func test_weight_sync_reloads_every_server_and_tags_samples_with_the_new_version() async throws {
        let server = try await RunningServer(maxBatch: 3)
        let dir = try scratch()
        let remote = try pool([server.url], dir: dir)
        var weights = copyOfWeights(try Transformer.load(directory: modelDirectory))
        for i in stride(from: 0, to: weights.count, by: 7) { weights[i] *= 0.9 }
        // When version 1 (perturbed weights) is synced
        try await remote.syncWeights(version: 1, parameters: weights)
        XCTAssertEqual(server.server.worker.status.version, 1)
        let batch = RolloutBatch(prompts: prompts(step: 5), parameters: parameters, policyVersion: 1)
        let served = try await remote.generate(batch)
        // Then samples are version 1 and equal local sampling with the same weights
        XCTAssertTrue(served.allSatisfy { $0.allSatisfy { $0.policyVersion == 1 } })
        let expected = try await local(slots: 3, weights: weights).generate(batch)
        XCTAssertEqual(served.map { $0.map(\.tokens) }, expected.map { $0.map(\.tokens) })
        XCTAssertEqual(served.map { $0.map { $0.logProbs.map(\.bitPattern) } }, expected.map { $0.map { $0.logProbs.map(\.bitPattern) } })
        await server.stop()
    }

    func test_a_server_restarted_without_reload_is_caught_by_its_version() async throws {
        let server = try await RunningServer()
        let remote = try pool([server.url], dir: try scratch())
        let weights = copyOfWeights(try Transformer.load(directory: modelDirectory))
        try await remote.syncWeights(version: 4, parameters: weights)
        // The server forgets (as a restart would): reload version 0 behind the client's back
        _ = try await server.server.worker.reload(directory: modelDirectory, version: 0)
        do {
            _ = try await remote.generate(RolloutBatch(prompts: prompts(step: 0), parameters: parameters, policyVersion: 4))
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertTrue(error.reason.contains("weight version 0 but was told 4"), error.reason)
        }
        await server.stop()
    }

    func test_raw_logprob_servers_are_refused_by_a_client_that_expects_processed_ones() async throws {
        let server = try await RunningServer(raw: true)
        do {
            try await pool([server.url], dir: try scratch()).connect()
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertTrue(error.reason.contains("raw_logprobs"), error.reason)
            XCTAssertTrue(error.reason.contains("--logprobs-mode processed_logprobs"), error.reason)
        }
        // With logprobs "raw" the client accepts it, and the values are log softmax(logits) at temperature 1
        let remote = try pool([server.url], dir: try scratch(), logprobs: .raw)
        try await remote.connect()
        let prompt = RolloutPrompt(ids: [5, 6, 7], runSeed: 1, step: 0, prompt: 0, samples: 2)
        let served = try await remote.generate(RolloutBatch(prompts: [prompt], parameters: parameters, policyVersion: -1))
        let model = try Transformer.load(directory: modelDirectory)
        for sample in served[0] {
            let sequence = prompt.ids + sample.tokens
            let scores = try model.forward(TokenBatch(sequences: [sequence], scoreFrom: [prompt.ids.count]), temperature: 1)
            let atOne = Array(scores.logProbs[(prompt.ids.count - 1)..<(sequence.count - 1)])
            XCTAssertEqual(atOne.count, sample.logProbs.count)
            for (a, b) in zip(sample.logProbs, atOne) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        }
        await server.stop()
    }

    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-serve-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

/// A copy of a model's weights (the model stays alive while they are copied).
func copyOfWeights(_ model: Transformer) -> [Float] {
    withExtendedLifetime(model) { Array(model.parameters.buffer) }
}
