// The local backend: the run's own engine, in-process, on a thread of its own. It samples every prompt of a
// batch in one call of DispoEngine's Generator (groups of `slots` sequences), exactly as the pipeline's
// sampler always has, and copies the weights of each synced policy version into its model.

import DispoEngine
import Dispatch

public final class LocalRolloutBackend: RolloutBackend, @unchecked Sendable {
    // `generator` (and its model) are touched only on `queue`; `version` only from the caller's sequence of
    // calls (never concurrent, per the protocol) and read under the queue.
    private let generator: Generator
    private let queue = DispatchQueue(label: "dispo.rollout.local", qos: .userInitiated)
    private var version = -1

    /// Samples with `generator` (whose model this backend then owns).
    public init(generator: Generator) {
        self.generator = generator
    }

    public var name: String { "local" }
    public var servedVersion: Int { queue.sync { version } }

    public func connect() async throws {}

    @discardableResult
    public func syncWeights(version: Int, parameters: [Float]) async throws -> Bool {
        let expected = generator.model.parameterCount
        guard parameters.count == expected else {
            throw RolloutServerError(server: "local", route: "syncWeights", attempts: 1,
                                     reason: "\(parameters.count) parameters given, the model has \(expected)")
        }
        await run {
            parameters.withUnsafeBufferPointer { p in
                if let source = p.baseAddress { self.generator.model.parameters.base.update(from: source, count: p.count) }
            }
            self.version = version
        }
        return true
    }

    public func generate(_ batch: RolloutBatch) async throws -> [[RolloutSample]] {
        let requests = batch.prompts.flatMap { p in (0..<p.samples).map { GenerationRequest(prompt: p.ids, key: p.key($0)) } }
        let (results, version) = try await runThrowing { (try self.generator.generate(requests, parameters: batch.parameters), self.version) }
        var out: [[RolloutSample]] = []
        var next = 0
        for p in batch.prompts {
            out.append(results[next..<(next + p.samples)].map {
                RolloutSample(tokens: $0.tokens, logProbs: $0.logProbs, finishReason: $0.finishReason, policyVersion: version, server: "local")
            })
            next += p.samples
        }
        return out
    }

    private func run(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in queue.async { work(); c.resume() } }
    }

    private func runThrowing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            queue.async {
                do { c.resume(returning: try work()) } catch { c.resume(throwing: error) }
            }
        }
    }
}
