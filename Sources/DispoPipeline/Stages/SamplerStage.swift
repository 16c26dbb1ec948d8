// The sampler: for each prompt batch, the policy version its step is sampled with — max(0, s − k), waiting for
// the learner to publish it — loaded into the sampler's own model copy, then G responses per prompt on the
// sampler's compute thread (seeded by run seed, step, problem and sample), sent on to the verifier workers.
// It runs ahead of verification as far as the `generated` channel allows; a batch whose step the filter has
// already completed is skipped unsampled.

import DispoChannels
import DispoEngine
import Foundation

final class SamplerStage: @unchecked Sendable {
    let sampler: RolloutSampler
    let model: Transformer
    let store: PolicyStore
    let boundaries: StepBoundaries
    let groupSize: Int
    let maxStaleness: Int
    let input: BoundedChannel<PromptBatch>
    let output: BoundedChannel<GenerationBatch>
    let thread = ComputeThread(name: "sampler")
    /// Only the stage's task touches this.
    private var loadedVersion = -1

    init(sampler: RolloutSampler, model: Transformer, store: PolicyStore, boundaries: StepBoundaries, groupSize: Int,
         maxStaleness: Int, input: BoundedChannel<PromptBatch>, output: BoundedChannel<GenerationBatch>) {
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
            let weights = try await store.weights(version)
            let load = loadedVersion != version
            let started = Date()
            let model = Exclusive(self.model)
            let results = try await thread.run { [sampler, groupSize] in
                if load { model.value.parameters.base.update(from: weights, count: weights.count) }
                return try sampler.sample(batch.problems, samples: groupSize, step: UInt64(batch.step))
            }
            loadedVersion = version
            try await output.send(GenerationBatch(prompts: batch, version: version, results: results,
                                                  seconds: Date().timeIntervalSince(started)))
        }
        output.finish()
    }
}
