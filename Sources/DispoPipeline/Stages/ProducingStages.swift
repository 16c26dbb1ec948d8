// The producing half of the pipeline, wired and supervised:
//
//   PromptLoader ─prompts─▶ SamplerStage ─generated─▶ VerifierStage (×N) ─scored─▶ FilterStage ─batches─▶ learner
//
// Every link is a BoundedChannel, so a slow stage slows the ones before it (back pressure) and memory stays
// bounded. Supervision: the first error of any stage fails every channel, the policy store and the step
// boundaries with that error — so every other stage, and the learner waiting on `batches`, stops at once with
// it — and cancels the rest. The same `fail` is how the learner stops the producing side (its own error, or a
// stop request). Nothing here can wait forever: every wait is on a channel or an AwaitableMap.

import DispoChannels
import DispoDistributed
import DispoEngine
import DispoRollout
import DispoShards
import DispoSupport
import Foundation

public final class ProducingStages: Sendable {
    public let batches: BoundedChannel<StepBatch>
    let prompts: BoundedChannel<PromptBatch>
    let generated: BoundedChannel<GenerationBatch>
    let scored: BoundedChannel<ScoredBatch>
    let boundaries = StepBoundaries()
    let store: PolicyStore
    let loader: PromptLoader
    let sampler: SamplerStage
    let verifier: VerifierStage
    let filter: FilterStage
    /// Data-parallel runs only: the exchange of scored groups between ranks (GroupExchange).
    let exchange: GroupExchange?

    /// `scoring` replaces the verifier's scoring (benchmarks); `verifierWorkers` scoring tasks run at once.
    /// With a `communicator` of several ranks this rank samples its share of every batch and the filter
    /// exchanges the scored groups (GroupExchange); the run opens each step's turn (`openExchange(step:)`).
    public init(context: RunContext, store: PolicyStore, scoring: ResponseScoring? = nil, verifierWorkers: Int = 2,
                backend: (any RolloutBackend)? = nil, communicator: any Communicator = SingleProcessCommunicator()) throws {
        let spec = context.spec
        let requested = spec.rollout.genBatchPrompts ?? spec.rollout.promptsPerStep
        // Without dynamic sampling a step never needs more than its own prompts.
        let perBatch = spec.dynamicSampling.enabled ? requested : min(requested, spec.rollout.promptsPerStep)
        let dynamic = spec.dynamicSampling.enabled
        self.store = store
        // Capacities are in generation batches; the spec counts prompts and groups.
        prompts = BoundedChannel(name: "prompts", capacity: max(1, spec.channels.prompts / perBatch))
        generated = BoundedChannel(name: "generated", capacity: max(1, spec.channels.groups / perBatch))
        scored = BoundedChannel(name: "scored", capacity: max(1, spec.channels.groups / perBatch))
        batches = BoundedChannel(name: "batches", capacity: spec.channels.batches)
        var loader = PromptLoader(train: context.train, vocabularySize: context.learnerModel.config.vocabSize,
                                  promptsPerStep: spec.rollout.promptsPerStep, perBatch: perBatch, dynamic: dynamic,
                                  maxGenBatches: spec.dynamicSampling.maxGenBatches, output: prompts, boundaries: boundaries)
        exchange = communicator.size > 1 ? GroupExchange(communicator: communicator) : nil
        if exchange != nil { loader.share = RankShare(rank: communicator.rank, size: communicator.size) }
        self.loader = loader
        let rolloutSampler = RolloutSampler(generator: try context.samplerGenerator(slots: min(spec.rollout.groupSize * perBatch, 256)),
                                            tokenizer: context.tokenizer, scorer: context.scorer,
                                            parameters: context.samplingParameters, seed: spec.seed)
        let packed = context.samplerWeights.map {
            SamplerStage.PackedSource(weights: $0, learner: context.learnerModel, threads: spec.threads.sampler)
        }
        sampler = SamplerStage(sampler: rolloutSampler, model: packed == nil ? context.samplerModel : nil, store: store,
                               boundaries: boundaries, groupSize: spec.rollout.groupSize, maxStaleness: spec.rollout.maxStaleness,
                               input: prompts, output: generated, backend: backend, packed: packed)
        let builtIn: ResponseScoring
        if let reward = context.reward {
            builtIn = { result, problem, place in
                try await rolloutSampler.score(result, problem: problem, step: place.step, sample: place.sample, reward: reward)
            }
        } else {
            builtIn = { result, problem, _ in rolloutSampler.score(result, problem: problem) }
        }
        verifier = VerifierStage(scoring: scoring ?? builtIn,
                                 workers: verifierWorkers, boundaries: boundaries, input: generated, output: scored)
        var filter = FilterStage(target: spec.rollout.promptsPerStep, dynamic: dynamic, maxGenBatches: spec.dynamicSampling.maxGenBatches,
                                 boundaries: boundaries, input: scored, output: batches)
        filter.exchange = exchange
        self.filter = filter
    }

    public var channels: [any ChannelReporting] { [prompts, generated, scored, batches] }

    private enum Stage: Sendable { case loader, sampler, verifier, filter }

    /// Produces the batches of steps `steps`, the first drawn from `cursor`. Returns once the last step is sent
    /// (stages still speculating are cancelled); throws the first stage's error after failing everything.
    public func run(steps: Range<Int>, cursor: ShardCursor) async throws {
        try await withThrowingTaskGroup(of: Stage.self) { group in
            group.addTask { try await self.loader.run(steps: steps, cursor: cursor); return .loader }
            group.addTask { try await self.sampler.run(); return .sampler }
            group.addTask { try await self.verifier.run(); return .verifier }
            group.addTask { try await self.filter.run(steps: steps); return .filter }
            do {
                for try await stage in group where stage == .filter {
                    group.cancelAll()
                    return
                }
            } catch {
                fail(error)
                throw error
            }
        }
    }

    /// Stops every stage with `error`: each waiting or later channel operation, version or boundary wait throws it.
    public func fail(_ error: any Error) {
        for c in channels { c.fail(error) }
        store.fail(error)
        boundaries.fail(error)
        exchange?.fail(error)
    }

    /// Data-parallel runs: the filter may exchange the batches of `step` (the learner's collectives before
    /// them are done on this rank). No-op in one process.
    public func openExchange(step: Int) { exchange?.open(step: step) }
}

/// A channel's name and metrics, whatever its element type.
public protocol ChannelReporting: Sendable {
    var name: String { get }
    var metrics: ChannelMetrics { get }
    func fail(_ error: any Error)
}

extension BoundedChannel: ChannelReporting {}
