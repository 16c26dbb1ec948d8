// The engine behind `dispo serve`: one thread that owns the model and a Generator and runs the work queue.
// Batching is step-level: while a batch generates, arriving requests queue; when it ends, every queued
// request with the same sampling parameters (up to max-batch samples, in arrival order) becomes the next
// batch, run in one Generator call. A weight reload is a barrier in the queue: requests before it finish on
// the old weights, requests after it run on the new ones, and each answer carries the version that made it.
// Samples depend only on their keys (the engine seeds each sequence from its SampleKey), never on which
// other requests share a batch.

import DispoEngine
import DispoSupport
import Dispatch
import Foundation

public struct EngineAnswer: Sendable {
    public var results: [GenerationResult]
    public var version: Int
}

/// An error the HTTP layer turns into a status code and message.
public struct ServeError: Error, CustomStringConvertible, Sendable {
    public var status: Int
    public var message: String
    public init(_ status: Int, _ message: String) { self.status = status; self.message = message }
    public var description: String { message }
}

public final class EngineWorker: @unchecked Sendable {
    enum Item {
        case generate([GenerationRequest], SamplingParameters, CheckedContinuation<EngineAnswer, any Error>)
        case reload(String, Int?, CheckedContinuation<Int, any Error>)
    }

    public let model: Transformer
    public let maxBatch: Int
    public let maxModelLength: Int
    public let rawLogProbs: Bool
    /// Seconds a batch may wait for more requests to arrive (see `gather`).
    public let window: Double
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var stopped = false
    private var paused = false
    private var finished = false
    private var version = 0
    private var weightsValid = true
    private var counters = (batches: 0, samples: 0, tokens: 0, seconds: 0.0)
    private let prefillPrecision: PrefillPrecision
    // Engine thread only.
    private var generator: Generator?

    public init(model: Transformer, maxBatch: Int, maxModelLength: Int, rawLogProbs: Bool, window: Double = 0.02,
                prefillPrecision: PrefillPrecision = .f32) {
        self.model = model
        self.prefillPrecision = prefillPrecision
        self.window = window
        self.maxBatch = max(1, maxBatch)
        self.maxModelLength = maxModelLength
        self.rawLogProbs = rawLogProbs
    }

    /// Starts the engine loop on a queue of its own (a dedicated thread while it runs, as the pipeline's
    /// compute threads).
    public func start() {
        DispatchQueue(label: "dispo.serve.engine", qos: .userInitiated).async { [self] in loop() }
    }

    /// The version being served and whether its weights loaded completely.
    public var status: (version: Int, healthy: Bool, batches: Int, samples: Int, tokens: Int, seconds: Double) {
        condition.lock(); defer { condition.unlock() }
        return (version, weightsValid && !stopped, counters.batches, counters.samples, counters.tokens, counters.seconds)
    }

    public func generate(_ requests: [GenerationRequest], parameters: SamplingParameters) async throws -> EngineAnswer {
        try await withCheckedThrowingContinuation { enqueue(.generate(requests, parameters, $0)) }
    }

    /// Loads the weights of `directory` after the work queued before; returns the new version.
    public func reload(directory: String, version: Int?) async throws -> Int {
        try await withCheckedThrowingContinuation { enqueue(.reload(directory, version, $0)) }
    }

    /// Refuses new work, fails queued work that has not started, lets the running batch finish; returns
    /// when the engine thread has ended.
    public func stop() async {
        for item in beginStop() { fail(item, ServeError(503, "the server is shutting down")) }
        while !isFinished { try? await Task.sleep(nanoseconds: 10_000_000) }
    }

    private func beginStop() -> [Item] {
        condition.lock(); defer { condition.unlock() }
        stopped = true
        let dropped = queue
        queue.removeAll()
        condition.broadcast()
        return dropped
    }

    private var isFinished: Bool {
        condition.lock(); defer { condition.unlock() }
        return finished
    }

    /// Holds queued work until `resume()` (the running batch finishes): lets a caller line requests up
    /// so that they form one batch, e.g. to check batching or to drain a server by hand.
    public func pause() {
        condition.lock(); defer { condition.unlock() }
        paused = true
    }

    public func resume() {
        condition.lock(); defer { condition.unlock() }
        paused = false
        condition.broadcast()
    }

    /// Requests waiting for the engine (not counting the running batch).
    public var queued: Int {
        condition.lock(); defer { condition.unlock() }
        return queue.count
    }

    private func enqueue(_ item: Item) {
        condition.lock()
        if stopped {
            condition.unlock()
            fail(item, ServeError(503, "the server is shutting down"))
            return
        }
        queue.append(item)
        condition.signal()
        condition.unlock()
    }

    private func fail(_ item: Item, _ error: any Error) {
        switch item {
        case .generate(_, _, let c): c.resume(throwing: error)
        case .reload(_, _, let c): c.resume(throwing: error)
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while (queue.isEmpty || paused) && !stopped { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.unlock()
                return
            }
            gather()
            let batch = takeBatch()
            condition.unlock()
            if case .reload(let dir, let v, let c) = batch.first, batch.count == 1 {
                runReload(dir, v, c)
            } else {
                runGenerate(batch)
            }
        }
    }

    /// Under the lock: while fewer than maxBatch samples wait, gives requests that are on their way (a
    /// client's burst, or clients that answered the previous batch) up to `window` seconds to arrive,
    /// ending early once window/4 passes without a new one. A request alone waits at most window/4.
    private func gather() {
        guard window > 0 else { return }
        let deadline = Date().addingTimeInterval(window)
        var count = queue.count
        while !stopped && !paused && queuedSamples() < maxBatch && Date() < deadline {
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(window / 4)))
            if queue.count == count { break }
            count = queue.count
        }
    }

    private func queuedSamples() -> Int {
        queue.reduce(0) { n, item in if case .generate(let r, _, _) = item { return n + r.count } else { return n } }
    }

    /// Under the lock: a reload alone, or the queued generate jobs (before the next reload) whose parameters
    /// equal the first one's, up to maxBatch samples (at least one job).
    private func takeBatch() -> [Item] {
        if case .reload = queue[0] { return [queue.removeFirst()] }
        guard case .generate(_, let parameters, _) = queue[0] else { return [] }
        var taken: [Item] = [], kept: [Item] = [], samples = 0, barrier = false
        for item in queue {
            if case .generate(let requests, let p, _) = item, !barrier, p == parameters,
               taken.isEmpty || samples + requests.count <= maxBatch {
                taken.append(item)
                samples += requests.count
            } else {
                if case .reload = item { barrier = true }
                kept.append(item)
            }
        }
        queue = kept
        return taken
    }

    private func runGenerate(_ items: [Item]) {
        var all: [GenerationRequest] = []
        var parameters = SamplingParameters()
        for case .generate(let requests, let p, _) in items { all += requests; parameters = p }
        let servedVersion = currentVersion()
        do {
            let needed = (all.map(\.prompt.count).max() ?? 0) + parameters.maxNewTokens
            let generator = try ensureGenerator(capacity: needed)
            let started = Date()
            var results: [GenerationResult]
            if rawLogProbs {
                var sampler = RawLogProbSampler(inner: TokenSampler(parameters: parameters))
                results = try generator.generate(all, parameters: parameters, sampler: &sampler)
            } else {
                results = try generator.generate(all, parameters: parameters)
            }
            condition.lock()
            counters.batches += 1
            counters.samples += results.count
            counters.tokens += results.reduce(0) { $0 + $1.tokens.count }
            counters.seconds += Date().timeIntervalSince(started)
            condition.unlock()
            var next = 0
            for case .generate(let requests, _, let c) in items {
                c.resume(returning: EngineAnswer(results: Array(results[next..<(next + requests.count)]), version: servedVersion))
                next += requests.count
            }
        } catch {
            for item in items { fail(item, ServeError(500, "generation failed: \(error)")) }
        }
    }

    /// The generator, grown (never shrunk) to hold `capacity` tokens per sequence and maxBatch sequences.
    private func ensureGenerator(capacity: Int) throws -> Generator {
        if let g = generator, g.cache.capacity >= capacity { return g }
        let rounded = min(maxModelLength, (capacity + 63) / 64 * 64)
        generator = nil
        let g = Generator(model: model, slots: maxBatch, capacity: max(rounded, capacity))
        try g.usePrefillPrecision(prefillPrecision)
        generator = g
        return g
    }

    private func currentVersion() -> Int {
        condition.lock(); defer { condition.unlock() }
        return version
    }

    private func runReload(_ directory: String, _ requested: Int?, _ c: CheckedContinuation<Int, any Error>) {
        do {
            let incoming = try ModelConfig.load(path: directory + "/config.json")
            guard ParameterLayout(config: incoming).tensors == model.layout.tensors else {
                throw ServeError(400, "\(directory): a model of another architecture than the one being served")
            }
        } catch let error as ServeError {
            c.resume(throwing: error)
            return
        } catch {
            c.resume(throwing: ServeError(400, "\(error)"))
            return
        }
        do {
            try model.loadWeights(directory: directory)
            condition.lock()
            version = requested ?? version + 1
            weightsValid = true
            let v = version
            condition.unlock()
            c.resume(returning: v)
        } catch {
            condition.lock()
            weightsValid = false
            condition.unlock()
            c.resume(throwing: ServeError(500, "weights of \(directory) did not load (the server stays unhealthy until a reload succeeds): \(error)"))
        }
    }
}

/// Samples like TokenSampler but reports the chosen token's raw log-prob, log softmax(logits) at
/// temperature 1 (vLLM's default `raw_logprobs`).
struct RawLogProbSampler: Sampler {
    var inner: TokenSampler

    mutating func pick(logits: UnsafePointer<Float>, V: Int, rng: inout SplitMix64) -> (token: Int32, logProb: Float) {
        let (token, _) = inner.pick(logits: logits, V: V, rng: &rng)
        var m = -Float.infinity
        for j in 0..<V where logits[j] > m { m = logits[j] }
        var sum = 0.0
        for j in 0..<V { sum += exp(Double(logits[j] - m)) }
        return (token, Float(Double(logits[Int(token)] - m) - log(sum)))
    }
}
