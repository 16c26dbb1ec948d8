// A pool of inference servers as a rollout backend: vLLM-compatible `/v1/completions` (vLLM, dispo serve)
// or SGLang's `/generate`. Each prompt's group of samples is one request. A fixed set of `max_in_flight`
// workers pulls prompts in order and sends each to the least busy server, so at most that many requests are
// in flight (back pressure: nothing queues beyond the batch the caller handed over). A failed request is
// retried on the same server with exponential back-off (connection errors, timeouts, HTTP 5xx/429); after
// the last retry, or on an answer no retry can fix, generate throws a RolloutServerError naming the
// server and the route. Weight sync writes the policy directory once and tells every server to reload it
// (WeightSyncRequests); samples are tagged with the version a server reports, or else the one it was told.

import DispoEngine
import DispoSupport
import Foundation
import Synchronization

public final class ServerPoolBackend: RolloutBackend {
    public let config: RolloutBackendConfig
    public let servers: [String]
    let transport: any HTTPTransport
    let policies: PolicyDirectory?
    private let state = Mutex(PoolState(inFlight: []))

    struct PoolState {
        var inFlight: [Int]
        var version = -1
        var turn = 0
        var requests = 0
        var retries = 0
    }

    /// `modelConfig` is the policy's architecture (for writing policy directories); `policyRoot` is where
    /// they go unless the config's weight_sync.dir says otherwise. `transport` defaults to URLSession.
    public init(config: RolloutBackendConfig, modelConfig: ModelConfig, policyRoot: String?, transport: (any HTTPTransport)? = nil) throws {
        try config.validate(file: "rollout.backend", path: "$")
        guard config.kind != .local else {
            throw InputError(file: "rollout.backend", place: "$.kind", expected: "a server pool kind", found: "local")
        }
        self.config = config
        servers = config.urls.map(RolloutBackendConfig.normalized)
        let limit = config.inFlightLimit
        self.transport = transport ?? URLSessionTransport(connections: (limit + servers.count - 1) / servers.count + 1)
        let root = config.weightSync.dir ?? policyRoot
        if config.syncMethod != .none, root == nil {
            throw InputError(file: "rollout.backend", place: "$.weight_sync.dir", expected: "a directory every server can read",
                             found: "none given")
        }
        policies = root.map {
            PolicyDirectory(root: $0, config: modelConfig, dtype: config.weightSync.dtype == .bf16 ? .bf16 : .f32,
                            keep: config.weightSync.keep)
        }
        state.withLock { $0.inFlight = [Int](repeating: 0, count: servers.count) }
    }

    public var name: String { "\(config.kind.rawValue) ×\(servers.count) (\(servers.joined(separator: ", ")))" }
    public var servedVersion: Int { state.withLock { $0.version } }

    /// Requests sent and retries made so far (for metrics: rollout/requests, rollout/retries).
    public var counters: (requests: Int, retries: Int) { state.withLock { ($0.requests, $0.retries) } }

    public func connect() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers {
                group.addTask {
                    _ = try await self.call(server, route: "/health", body: nil)
                    if self.config.kind == .openaiCompletions { try await self.checkModels(server) }
                }
            }
            try await group.waitForAll()
        }
    }

    /// dispo serve says how its log-probs are computed; a different `logprobs` setting is a configuration error.
    func checkModels(_ server: String) async throws {
        let reply = try await call(server, route: "/v1/models", body: nil)
        let source = server + "/v1/models"
        let reader = try JSONNumbers.parse(reply.body, source: source)
        guard let first = try reader.object().optional("data").map({ try $0.array() })?.first,
              let mode = try first.object().optional("dispo_logprobs_mode")?.string() else { return }
        let served: RolloutBackendConfig.LogProbMode = mode == "raw_logprobs" ? .raw : .processed
        guard served == config.logprobs else {
            throw RolloutServerError(server: server, route: "/v1/models", attempts: 1, reason:
                "the server computes \(mode) but rollout.backend.logprobs is \"\(config.logprobs.rawValue)\"; "
                + LogProbSemantics.explanation)
        }
    }

    @discardableResult
    public func syncWeights(version: Int, parameters: [Float]) async throws -> Bool {
        let current = servedVersion
        if config.syncMethod != .none, current >= 0, version > current, version - current < config.weightSync.every { return false }
        guard config.syncMethod != .none, let policies else {
            state.withLock { $0.version = version }
            return true
        }
        let directory = try policies.write(version: version, parameters: parameters)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers {
                group.addTask { try await self.reload(server, directory: directory, version: version) }
            }
            try await group.waitForAll()
        }
        state.withLock { $0.version = version }
        return true
    }

    func reload(_ server: String, directory: String, version: Int) async throws {
        let request = WeightSyncRequests.request(config.syncMethod, directory: directory, version: version)
        let reply = try await call(server, route: request.route, body: request.body)
        do {
            try WeightSyncRequests.check(reply.body, method: config.syncMethod, version: version, source: server + request.route)
        } catch {
            throw RolloutServerError(server: server, route: request.route, attempts: 1, reason: "\(error)")
        }
    }

    public func generate(_ batch: RolloutBatch) async throws -> [[RolloutSample]] {
        let count = batch.prompts.count
        if let bad = batch.prompts.firstIndex(where: { $0.samples < 1 || $0.ids.isEmpty }) {
            throw RolloutConfigError(message: "rollout batch prompt \(bad): needs at least one token and one sample")
        }
        let work = BatchWork(count: count)
        let told = servedVersion
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<min(config.inFlightLimit, count) {
                group.addTask {
                    while true {
                        guard let i = work.take() else { return }
                        let samples = try await self.generate(batch.prompts[i], parameters: batch.parameters, told: told)
                        work.store(i, samples)
                    }
                }
            }
            try await group.waitForAll()
        }
        return work.results()
    }

    /// One prompt's samples from the least busy server.
    func generate(_ prompt: RolloutPrompt, parameters: SamplingParameters, told: Int) async throws -> [RolloutSample] {
        let index = state.withLock { s -> Int in
            let least = s.inFlight.min() ?? 0
            let candidates = s.inFlight.indices.filter { s.inFlight[$0] == least }
            let pick = candidates[s.turn % candidates.count]
            s.turn &+= 1
            s.inFlight[pick] += 1
            return pick
        }
        defer { state.withLock { $0.inFlight[index] -= 1 } }
        let server = servers[index]
        let sglang = config.kind == .sglang
        let route = sglang ? SGLangWire.route : CompletionsWire.route
        let body = sglang ? SGLangWire.request(prompt, parameters: parameters)
                          : CompletionsWire.request(prompt, parameters: parameters, model: config.model)
        let reply = try await call(server, route: route, body: body)
        let answer: WireAnswer
        do {
            answer = sglang ? try SGLangWire.parse(reply.body, source: server + route, expected: prompt.samples)
                            : try CompletionsWire.parse(reply.body, source: server + route, expected: prompt.samples)
        } catch {
            throw RolloutServerError(server: server, route: route, attempts: 1, reason: "an answer not in the documented form: \(error)")
        }
        var version = told
        if let reported = answer.weightVersion, config.syncMethod != .none {
            guard reported == told || told < 0 else {
                throw RolloutServerError(server: server, route: route, attempts: 1, reason:
                    "the server reports weight version \(reported) but was told \(told) (restarted without a reload?)")
            }
            version = reported
        }
        return answer.samples.map {
            RolloutSample(tokens: $0.tokens, logProbs: $0.logProbs, finishReason: $0.finishReason, policyVersion: version, server: server)
        }
    }

    /// One call with retries and exponential back-off; throws RolloutServerError naming the server.
    func call(_ server: String, route: String, body: String?) async throws -> HTTPReply {
        var attempt = 0
        while true {
            attempt += 1
            state.withLock { $0.requests += 1 }
            do {
                return try await transport.call(server + route, body: body, timeout: config.timeoutSeconds)
            } catch let failure as HTTPFailure {
                guard failure.retryable, attempt <= config.retries else {
                    throw RolloutServerError(server: server, route: route, attempts: attempt, reason: failure.description)
                }
                state.withLock { $0.retries += 1 }
                let delay = min(30, config.backoffSeconds * pow(2, Double(attempt - 1)))
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            }
        }
    }
}

/// The prompts of one generate call: the next one to take, and the answers so far.
final class BatchWork: Sendable {
    private let next = Mutex(0)
    private let answers: Mutex<[[RolloutSample]?]>
    let count: Int

    init(count: Int) {
        self.count = count
        answers = Mutex([[RolloutSample]?](repeating: nil, count: count))
    }

    func take() -> Int? {
        next.withLock { n in
            guard n < count else { return nil }
            defer { n += 1 }
            return n
        }
    }

    func store(_ i: Int, _ samples: [RolloutSample]) { answers.withLock { $0[i] = samples } }
    func results() -> [[RolloutSample]] { answers.withLock { $0.compactMap { $0 } } }
}
