// The sampler: for each prompt batch, the policy version its step is sampled with — max(0, s − k), waiting for
// the learner to publish it — loaded into the sampler's own model copy, then G responses per prompt on the
// sampler's compute thread (seeded by run seed, step, problem and sample), sent on to the verifier workers.
// A data-parallel rank samples only its share of each batch's prompts (`PromptBatch.share`).
// It runs ahead of verification as far as the `generated` channel allows; a batch whose step the filter has
// already completed is skipped unsampled.
//
// With a server pool (`rollout.backend`), the same batch goes to the pool instead: before sampling with a
// version the servers do not serve yet, the weights are synced to them (written as a model directory, then
// a reload request); every sample carries the version the pool served it with. Sample keys are the local
// ones (run seed, step, problem, sample), so dispo serve pools draw the same tokens as local sampling.
//
// With packed sampler weights (`rollout.sampler_weights`), no version is copied: when a batch needs a version
// the sampler's DecodeWeights do not hold, it waits until the learner's parameters are that version, re-packs
// from them on its thread and reports it to the store, which lets the learner go on (PolicyStore).

import DispoChannels
import DispoEngine
import DispoRollout
import Foundation

final class SamplerStage: @unchecked Sendable {
    let sampler: RolloutSampler
    /// The sampler's own model (copies of versions); nil with packed weights.
    let model: Transformer?
    let store: PolicyStore
    let boundaries: StepBoundaries
    let groupSize: Int
    let maxStaleness: Int
    let input: BoundedChannel<PromptBatch>
    let output: BoundedChannel<GenerationBatch>
    let thread = ComputeThread(name: "sampler")
    /// A server pool; nil = this process's engine.
    let backend: (any RolloutBackend)?
    /// Packed sampler weights and the learner's model they are refreshed from; nil = copies of versions.
    let packed: PackedSource?
    /// Only the stage's task touches this.
    private var loadedVersion = -1

    /// The sampler's packed weights, re-packed from `learner` (which the learner does not change meanwhile).
    struct PackedSource: @unchecked Sendable {
        let weights: DecodeWeights
        let learner: Transformer
        let threads: Int
    }

    init(sampler: RolloutSampler, model: Transformer?, store: PolicyStore, boundaries: StepBoundaries, groupSize: Int,
         maxStaleness: Int, input: BoundedChannel<PromptBatch>, output: BoundedChannel<GenerationBatch>,
         backend: (any RolloutBackend)? = nil, packed: PackedSource? = nil) {
        self.backend = backend
        self.packed = packed
        if packed != nil { loadedVersion = store.samplerVersion ?? -1 }
        self.sampler = sampler
        self.model = model
        self.store = store
        self.boundaries = boundaries
        self.groupSize = groupSize
        self.maxStaleness = maxStaleness
        self.input = input
        self.output = output
    }

    func run() async throws {
        for try await batch in input {
            if boundaries.isStale(step: batch.step, index: batch.index) { continue }
            if FaultInjection.matches("sampler-stall", batch.step + 1) { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
            let version = max(0, batch.step - maxStaleness)
            if let packed {
                try await output.send(try await samplePacked(batch, version: version, packed: packed))
                continue
            }
            let weights = try await store.weights(version)
            if let backend {
                try await output.send(try await sampleRemotely(batch, version: version, weights: weights, backend: backend))
                continue
            }
            let load = loadedVersion != version
            let started = Date()
            let model = Exclusive(self.model)
            let results = try await thread.run { [sampler, groupSize] in
                if load, let m = model.value { m.parameters.base.update(from: weights, count: weights.count) }
                return try sampler.sample(Array(batch.problems[batch.share]), samples: groupSize, step: UInt64(batch.step))
            }
            loadedVersion = version
            try await output.send(GenerationBatch(prompts: batch, version: version, results: results,
                                                  seconds: Date().timeIntervalSince(started)))
        }
        output.finish()
    }

    /// One batch on packed weights, refreshed from the learner's parameters first when they hold another version.
    private func samplePacked(_ batch: PromptBatch, version: Int, packed: PackedSource) async throws -> GenerationBatch {
        let started = Date()
        if loadedVersion != version {
            try await store.awaitAnnounced(version)
            store.refreshing()
            loadedVersion = -1
            try await thread.run { packed.weights.refresh(from: packed.learner, threads: packed.threads) }
            loadedVersion = version
            store.refreshed(version)
        }
        let results = try await thread.run { [sampler, groupSize] in
            try sampler.sample(Array(batch.problems[batch.share]), samples: groupSize, step: UInt64(batch.step))
        }
        return GenerationBatch(prompts: batch, version: version, results: results, seconds: Date().timeIntervalSince(started))
    }

    /// One batch on the server pool, syncing `version` first when the pool serves an older one.
    private func sampleRemotely(_ batch: PromptBatch, version: Int, weights: [Float],
                                backend: any RolloutBackend) async throws -> GenerationBatch {
        if backend.servedVersion < version { try await backend.syncWeights(version: version, parameters: weights) }
        let started = Date()
        let prompts = batch.problems[batch.share].map { p in
            RolloutPrompt(ids: p.prompt, runSeed: sampler.seed, step: UInt64(batch.step), prompt: UInt64(p.index), samples: groupSize)
        }
        let samples = try await backend.generate(RolloutBatch(prompts: prompts, parameters: sampler.parameters, policyVersion: version))
        let served = samples.flatMap { $0.map(\.policyVersion) }.min() ?? backend.servedVersion
        return GenerationBatch(prompts: batch, version: served, results: samples.map { $0.map(\.generation) },
                               seconds: Date().timeIntervalSince(started))
    }
}
