// The rollout backend contract: what the sampler stage hands to whoever generates its samples (its own
// engine in-process, or a pool of inference servers) and what it gets back. A batch is a list of prompts,
// each with the keys of its samples and the policy version that must produce them; the answer is, per
// prompt and sample, the new token ids (the stop token included), their log-probs, the finish reason and
// the policy version that actually produced them.
//
// Determinism: sample j of a prompt is seeded by SampleKey(runSeed, step, prompt, firstSample + j), the
// pipeline's local convention; `dispo serve` honours the same keys (docs/SERVING.md, "Sample keys"), so a
// pool of dispo serve processes returns the local backend's tokens and log-probs bit for bit.

import DispoEngine

/// One prompt of a rollout batch and the keys of its samples.
public struct RolloutPrompt: Sendable, Equatable {
    public var ids: [Int32]
    public var runSeed: UInt64
    public var step: UInt64
    /// The problem's index (its key; not its position in the batch).
    public var prompt: UInt64
    public var firstSample: UInt64
    /// Samples to draw (the group size).
    public var samples: Int

    public init(ids: [Int32], runSeed: UInt64, step: UInt64, prompt: UInt64, firstSample: UInt64 = 0, samples: Int) {
        self.ids = ids; self.runSeed = runSeed; self.step = step; self.prompt = prompt
        self.firstSample = firstSample; self.samples = samples
    }

    /// The key of sample j (0 ..< samples).
    public func key(_ j: Int) -> SampleKey {
        SampleKey(runSeed: runSeed, step: step, prompt: prompt, sample: firstSample &+ UInt64(j))
    }
}

public struct RolloutBatch: Sendable {
    public var prompts: [RolloutPrompt]
    /// The same for every sample; stopTokens are sent to servers as stop_token_ids.
    public var parameters: SamplingParameters
    /// The policy version the caller expects (the last one passed to `syncWeights`).
    public var policyVersion: Int

    public init(prompts: [RolloutPrompt], parameters: SamplingParameters, policyVersion: Int) {
        self.prompts = prompts; self.parameters = parameters; self.policyVersion = policyVersion
    }
}

public struct RolloutSample: Sendable, Equatable {
    public var tokens: [Int32]
    public var logProbs: [Float]
    public var finishReason: GenerationResult.FinishReason
    /// The policy version that produced the sample (as the server reported it, or as it was told).
    public var policyVersion: Int
    /// "local", or the base URL of the server that produced it.
    public var server: String

    public init(tokens: [Int32], logProbs: [Float], finishReason: GenerationResult.FinishReason, policyVersion: Int, server: String) {
        self.tokens = tokens; self.logProbs = logProbs; self.finishReason = finishReason
        self.policyVersion = policyVersion; self.server = server
    }

    /// The engine's result type, as the pipeline's verifier stage consumes it.
    public var generation: GenerationResult {
        GenerationResult(tokens: tokens, logProbs: logProbs, finishReason: finishReason)
    }
}

/// Generates rollouts. Calls to `syncWeights` and `generate` must not overlap (the sampler stage calls them
/// in turn); `generate` itself spreads its prompts over the backend's capacity.
public protocol RolloutBackend: AnyObject, Sendable {
    /// What this backend is, for logs: "local" or "openai-completions ×2 (http://…, http://…)".
    var name: String { get }

    /// Checks that the backend is ready (servers answer their health route); throws naming the server.
    func connect() async throws

    /// Makes `version` the policy that samples from now on. `parameters` are all weights in the engine's
    /// order (`Transformer.parameters`, HF tensor order). Returns false when the backend skipped the sync
    /// (weight_sync.every > 1 and the servers are recent enough); `servedVersion` then stays older.
    @discardableResult
    func syncWeights(version: Int, parameters: [Float]) async throws -> Bool

    /// The policy version the backend currently samples with (-1 before the first sync).
    var servedVersion: Int { get }

    /// Samples every prompt's samples; result[i][j] is sample j of prompt i.
    func generate(_ batch: RolloutBatch) async throws -> [[RolloutSample]]
}

/// A server failed for good: after its retries, or with an answer no retry can fix.
public struct RolloutServerError: Error, CustomStringConvertible, Sendable, Equatable {
    public var server: String
    public var route: String
    public var attempts: Int
    public var reason: String

    public init(server: String, route: String, attempts: Int, reason: String) {
        self.server = server; self.route = route; self.attempts = attempts; self.reason = reason
    }

    public var description: String {
        "rollout server \(server) failed on \(route) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(reason)"
    }
}
