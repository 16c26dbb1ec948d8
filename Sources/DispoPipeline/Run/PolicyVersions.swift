// How the learner hands policy versions to the sampler, in both of the policy store's modes (PolicyStore):
// fp32 copies, or packed sampler weights refreshed from the learner's parameters. With packed weights and
// max_staleness 1 the learner announces version s only once it holds step s's batch (the batch was sampled
// with version s − 1, which the sampler's weights then still hold), and waits until the sampler has
// re-packed from version s before the update that produces s + 1. So the sampler's weights hold exactly the
// version the next step needs whenever the learner is between steps, and a checkpoint can save them.

import DispoEngine
import DispoLearner
import DispoSupport

extension PipelineRun {
    /// The learner's parameters are version `version` (at the start of the loop, or after a step).
    func publishVersion(_ version: Int, store: PolicyStore) {
        guard context.samplerWeights != nil else {
            store.publish(version, weights: snapshot(context.learnerModel))
            return
        }
        // With staleness 1, versions after 0 are announced once the learner holds the next step's batch.
        if context.spec.rollout.maxStaleness == 0 || version == 0 { store.announce(version) }
    }

    /// Before the update on the batch of step index `step` (0-based; the update produces version step + 1): with
    /// packed sampler weights and staleness 1, lets the sampler refresh to version `step` and waits until it has,
    /// when a later step samples with that version.
    func beforeUpdate(onStep step: Int, store: PolicyStore) async throws {
        guard context.samplerWeights != nil, context.spec.rollout.maxStaleness == 1 else { return }
        store.announce(step)
        if step + 1 < context.spec.train.steps { try await store.awaitRefreshed(step) }
    }

    /// What a checkpoint after `steps` steps keeps of older versions: fp32 copies, or the sampler's packed weights
    /// with their version. nil: the checkpoint cannot be written now (the sampler's weights already moved on).
    func versionsToKeep(steps: Int, store: PolicyStore) -> (copies: [Int: [Float]], packed: (Int, DecodeWeights)?)? {
        let k = context.spec.rollout.maxStaleness
        guard let weights = context.samplerWeights else {
            var versions: [Int: [Float]] = [:]
            // Versions the sampler still needs for steps after `steps`, other than the current weights.
            for (v, w) in store.retained(from: max(0, steps - k)) where v < steps { versions[v] = w }
            return (versions, nil)
        }
        let needed = max(0, steps - k)
        // The step after `steps` samples with the learner's weights, or there is no such step.
        guard needed < steps, steps < context.spec.train.steps else { return ([:], nil) }
        guard store.samplerVersion == needed else { return nil }
        return ([:], (needed, weights))
    }

    /// Restores the sampler's packed weights of a checkpoint after `state.steps` steps (`state.versions`).
    func restoreSamplerWeights(directory: String, state: CheckpointState, store: PolicyStore) throws {
        guard let current = context.samplerWeights else { return }
        let needed = max(0, state.steps - context.spec.rollout.maxStaleness)
        for v in state.versions {
            context.samplerWeights = try DecodeWeights.load(path: directory + "/" + Checkpoints.decodeVersionName(v),
                                                           config: current.config, precision: current.precision)
            store.refreshed(v)
        }
        if needed < state.steps, state.steps < context.spec.train.steps, store.samplerVersion != needed {
            throw InputError(file: directory + "/state.json", place: "$.versions",
                             expected: "the sampler's weights of version \(needed) (rollout.sampler_weights \"\(context.spec.rollout.samplerWeights?.rawValue ?? "")\")",
                             found: "versions \(state.versions)",
                             hint: "a run's last checkpoint does not keep them, so a finished run cannot be extended with packed sampler weights; resume from an earlier checkpoint")
        }
    }
}
