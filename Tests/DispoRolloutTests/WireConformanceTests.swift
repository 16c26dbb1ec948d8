// The server-pool client against fake vLLM and SGLang servers that answer in the documented JSON shapes:
// the requests it sends (every sampling knob explicit, sample keys), the answers it reads (token_ids,
// "token_id:N" strings, SGLang triples), exact log-probs, and weight sync through each reload route.

import DispoEngine
import DispoRollout
import DispoServe
import DispoSupport
import XCTest

final class WireConformanceTests: XCTestCase {
    let parameters = SamplingParameters(temperature: 0.7, topP: 1, topK: 0, maxNewTokens: 5, stopTokens: [2, 0])

    func pool(_ kind: RolloutBackendConfig.Kind, _ urls: [String], dir: String? = nil) throws -> ServerPoolBackend {
        var config = RolloutBackendConfig(kind: kind, urls: urls)
        config.retries = 0
        return try ServerPoolBackend(config: config, modelConfig: tinyConfig(), policyRoot: dir ?? NSTemporaryDirectory())
    }

    func batch(prompts: Int, samples: Int, version: Int = -1) -> RolloutBatch {
        RolloutBatch(prompts: (0..<prompts).map { RolloutPrompt(ids: [1, 2, 3], runSeed: 9, step: 4, prompt: UInt64(100 + $0), samples: samples) },
                     parameters: parameters, policyVersion: version)
    }

    func test_completions_client_reads_token_ids_and_exact_logprobs_from_vllm_answers() async throws {
        // Given a fake vLLM ≥ 0.10.2 that returns choices out of order
        let log = FakeLog()
        let fake = try await FakeServer { r in
            log.record(r.path, r.body)
            return HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 3, tokenIDs: true, tokenStrings: false))
        }
        // When two prompts of three samples are generated
        let results = try await pool(.openaiCompletions, [fake.url]).generate(batch(prompts: 2, samples: 3))
        await fake.stop()
        // Then every sample has the fake's ids and bit-exact log-probs, in index order
        XCTAssertEqual(results.count, 2)
        for group in results {
            XCTAssertEqual(group.map(\.tokens), (0..<3).map(FakeAnswers.tokens))
            XCTAssertEqual(group.map(\.logProbs), (0..<3).map(FakeAnswers.logProbs))
            XCTAssertTrue(group.allSatisfy { $0.finishReason == .stop && $0.server == fake.url })
        }
        // And each request set every knob explicitly, with the prompt's sample keys
        XCTAssertEqual(log.bodies.count, 2)
        let o = try json(log.bodies[0].body)
        XCTAssertEqual(log.bodies[0].path, "/v1/completions")
        XCTAssertEqual(try o.required("prompt").array().map { try $0.int() }, [1, 2, 3])
        XCTAssertEqual(try o.required("n").int(), 3)
        XCTAssertEqual(try o.required("top_k").int(), -1)
        XCTAssertEqual(try o.required("logprobs").int(), 0)
        XCTAssertEqual(try o.required("temperature").double(), 0.7, accuracy: 1e-6)
        XCTAssertEqual(try o.required("repetition_penalty").double(), 1)
        XCTAssertTrue(try o.required("return_token_ids").bool())
        XCTAssertFalse(try o.required("skip_special_tokens").bool())
        XCTAssertEqual(Set(try o.required("stop_token_ids").array().map { try $0.int() }), [0, 2])
        let keys = try o.required("dispo_sample_keys").array()[0].object()
        XCTAssertEqual(try keys.required("run_seed").int(), 9)
        XCTAssertEqual(try keys.required("step").int(), 4)
        XCTAssertTrue([100, 101].contains(try keys.required("prompt").int()))
    }

    func test_completions_client_reads_token_id_strings_of_older_vllm() async throws {
        let fake = try await FakeServer { _ in HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 2, tokenIDs: false, tokenStrings: true)) }
        let results = try await pool(.openaiCompletions, [fake.url]).generate(batch(prompts: 1, samples: 2))
        await fake.stop()
        XCTAssertEqual(results[0].map(\.tokens), [FakeAnswers.tokens(0), FakeAnswers.tokens(1)])
    }

    func test_a_choice_without_token_ids_is_an_error_naming_the_server() async throws {
        let fake = try await FakeServer { _ in HTTPResponse(status: 200, body: FakeAnswers.vllm(n: 1, tokenIDs: false, tokenStrings: false)) }
        do {
            _ = try await pool(.openaiCompletions, [fake.url]).generate(batch(prompts: 1, samples: 1))
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertEqual(error.server, fake.url)
            XCTAssertTrue(error.reason.contains("token ids"), error.reason)
        }
        await fake.stop()
    }

    func test_sglang_client_sends_one_seeded_input_per_sample_and_reads_triples() async throws {
        let log = FakeLog()
        let fake = try await FakeServer { r in
            log.record(r.path, r.body)
            return HTTPResponse(status: 200, body: FakeAnswers.sglang(n: 4))
        }
        let results = try await pool(.sglang, [fake.url]).generate(batch(prompts: 1, samples: 4))
        await fake.stop()
        XCTAssertEqual(results[0].map(\.tokens), (0..<4).map(FakeAnswers.tokens))
        XCTAssertEqual(results[0].map(\.logProbs), (0..<4).map(FakeAnswers.logProbs))
        let o = try json(log.bodies[0].body)
        XCTAssertEqual(log.bodies[0].path, "/generate")
        XCTAssertEqual(try o.required("input_ids").array().count, 4)
        XCTAssertTrue(try o.required("return_logprob").bool())
        let params = try o.required("sampling_params").array()
        let seeds = try params.map { try JSONNumbers.uint64($0.object().required("sampling_seed")) }
        XCTAssertEqual(Set(seeds).count, 4, "each sample has its own seed")
        XCTAssertEqual(try params[0].object().required("top_k").int(), -1)
        XCTAssertEqual(try params[0].object().required("max_new_tokens").int(), 5)
    }

    func test_weight_sync_writes_the_policy_atomically_and_calls_each_reload_route() async throws {
        let config = tinyConfig()
        let model = Transformer(config: config)
        model.initializeRandom(seed: 3)
        let weights = withExtendedLifetime(model) { Array(model.parameters.buffer) }
        for (kind, method, route) in [(RolloutBackendConfig.Kind.openaiCompletions, RolloutBackendConfig.WeightSync.Method.updateWeights, "/update_weights"),
                                      (.openaiCompletions, .collectiveRPC, "/collective_rpc"),
                                      (.sglang, .updateWeightsFromDisk, "/update_weights_from_disk")] {
            let dir = try scratch()
            let log = FakeLog()
            let fake = try await FakeServer { r in
                log.record(r.path, r.body)
                return HTTPResponse(status: 200, body: "{\"success\": true, \"message\": \"ok\"}")
            }
            var c = RolloutBackendConfig(kind: kind, urls: [fake.url])
            c.weightSync.method = method
            let backend = try ServerPoolBackend(config: c, modelConfig: config, policyRoot: dir)
            for version in 0...2 { try await backend.syncWeights(version: version, parameters: weights) }
            await fake.stop()
            XCTAssertEqual(backend.servedVersion, 2)
            XCTAssertEqual(log.bodies.map(\.path), [route, route, route])
            XCTAssertTrue(log.bodies[2].body.contains(dir + "/policy-v2"), log.bodies[2].body)
            // Only the newest `keep` (2) policies stay, each a complete model directory
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            XCTAssertEqual(names, ["policy-v1", "policy-v2"])
            let loaded = try Transformer.load(directory: dir + "/policy-v2")
            XCTAssertEqual(Array(loaded.parameters.buffer), weights)
        }
    }

    func test_sglang_reload_that_reports_failure_is_an_error() async throws {
        let fake = try await FakeServer { _ in HTTPResponse(status: 200, body: "{\"success\": false, \"message\": \"shape mismatch\"}") }
        let backend = try pool(.sglang, [fake.url], dir: try scratch())
        let model = Transformer(config: tinyConfig())
        do {
            try await backend.syncWeights(version: 0, parameters: withExtendedLifetime(model) { Array(model.parameters.buffer) })
            XCTFail("expected an error")
        } catch let error as RolloutServerError {
            XCTAssertEqual(error.route, "/update_weights_from_disk")
            XCTAssertTrue(error.reason.contains("shape mismatch"), error.reason)
        }
        await fake.stop()
    }
}

func tinyConfig() -> ModelConfig {
    ModelConfig(modelType: "llama", vocabSize: 32, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 1,
                numAttentionHeads: 2, numKeyValueHeads: 1, maxPositionEmbeddings: 64)
}

extension XCTestCase {
    func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-rollout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}
