// The producing half of the pipeline: prompt loader → sampler → verifier workers → dynamic group filter.
//
// For step s the sampler waits for policy version max(0, s − k), loads it into its own model, and samples
// generation batches of prompts drawn by the resumable cursor. Each generation batch goes through the
// `generated` channel to the verifier workers, whose scored groups go through `scored` to the filter. The
// filter keeps informative groups (DAPO dynamic sampling) until the step holds B of them, then sends the
// step's batch downstream and tells the sampler whether to draw another generation batch. The order of
// groups is fixed by (step, generation batch, position), never by which worker finished first.

import DispoEngine
import DispoShards
import DispoSupport
import DispoVerifier
import Foundation

/// The rollouts of one learner step.
public struct StepBatch: Sendable {
    public var step: Int
    public var version: Int
    public var groups: [ScoredGroup]
    /// The prompt cursor after this step's prompts.
    public var cursor: ShardCursor
    public var generationBatches: Int
    public var groupsSampled: Int
    public var sampleSeconds: Double
    public var verifySeconds: Double
}

struct GenerationBatch: Sendable {
    var step: Int
    var index: Int
    var version: Int
    var problems: [Problem]
    var results: [[GenerationResult]]
    /// Time the sampler spent generating this batch (busy time, not waiting).
    var seconds: Double
}

struct ScoredBatch: Sendable {
    var step: Int
    var index: Int
    var groups: [ScoredGroup]
    var sampleSeconds: Double
    var seconds: Double
}

final class SamplerStage: @unchecked Sendable {
    let context: RunContext
    let store: PolicyStore
    let thread = ComputeThread(name: "sampler")
    let sampler: RolloutSampler
    let prompts: BoundedChannel<Problem>
    let generated: BoundedChannel<GenerationBatch>
    let scored: BoundedChannel<ScoredBatch>
    let decisions = BoundedChannel<Bool>(name: "decisions", capacity: 1)
    let batches: BoundedChannel<StepBatch>
    var loadedVersion = -1

    init(context: RunContext, store: PolicyStore, batches: BoundedChannel<StepBatch>) {
        self.context = context
        self.store = store
        self.batches = batches
        let spec = context.spec
        let perBatch = spec.rollout.genBatchPrompts ?? spec.rollout.promptsPerStep
        sampler = RolloutSampler(generator: context.newGenerator(context.samplerModel, slots: min(spec.rollout.groupSize * perBatch, 256)),
                                 tokenizer: context.tokenizer, scorer: context.scorer,
                                 parameters: context.samplingParameters, seed: spec.seed)
        prompts = BoundedChannel(name: "prompts", capacity: spec.channels.prompts)
        // `channels.groups` counts groups; the channel carries whole generation batches of `perBatch` groups.
        generated = BoundedChannel(name: "generated", capacity: max(1, spec.channels.groups / perBatch))
        scored = BoundedChannel(name: "scored", capacity: 2)
    }

    var channels: [any ChannelReporting] { [prompts, generated, scored, batches] }

    /// Runs the sampler, verifier workers and filter from `firstStep`, starting at `cursor`.
    func run(from firstStep: Int, cursor: ShardCursor, verifierWorkers: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.loadPrompts(from: cursor) }
            group.addTask { try await self.sampleLoop(from: firstStep) }
            for _ in 0..<max(1, verifierWorkers) { group.addTask { try await self.verifyLoop() } }
            group.addTask { try await self.filterLoop(from: firstStep, cursor: cursor) }
            do {
                try await group.waitForAll()
            } catch {
                for c in channels { c.fail(error) }
                decisions.fail(error)
                throw error
            }
        }
    }

    /// The prompt loader: draws problems in the cursor's deterministic shuffled order, epoch after epoch,
    /// ahead of the sampler as far as the `prompts` channel allows. (The cursor stored in checkpoints is the
    /// filter's, which counts only prompts actually used, so prefetching changes nothing on resume.)
    private func loadPrompts(from start: ShardCursor) async throws {
        var cursor = start
        let set = context.train
        while !Task.isCancelled {
            let (index, record) = try set.next(&cursor)
            do {
                try await prompts.send(try Problem(record: record, index: index, set: set.directory))
            } catch is ChannelClosedError {
                return
            }
        }
    }

    private func sampleLoop(from firstStep: Int) async throws {
        let spec = context.spec
        let perBatch = spec.rollout.genBatchPrompts ?? spec.rollout.promptsPerStep
        defer { generated.finish(); prompts.finish() }
        for step in firstStep..<spec.train.steps {
            let version = max(0, step - spec.rollout.maxStaleness)
            let weights = await store.weights(version)
            var index = 0
            while true {
                var drawn: [Problem] = []
                for _ in 0..<perBatch {
                    guard let problem = try await prompts.receive() else { return }
                    drawn.append(problem)
                }
                let problems = drawn
                let needLoad = loadedVersion != version
                let started = Date()
                let results = try await thread.run { [sampler, context] in
                    if needLoad { context.samplerModel.parameters.base.update(from: weights, count: weights.count) }
                    return try sampler.sample(problems, samples: spec.rollout.groupSize, step: UInt64(step))
                }
                loadedVersion = version
                try await generated.send(GenerationBatch(step: step, index: index, version: version, problems: problems, results: results,
                                                         seconds: Date().timeIntervalSince(started)))
                index += 1
                guard let more = try await decisions.receive(), more else { break }
            }
        }
    }

    private func verifyLoop() async throws {
        for try await batch in generated {
            let started = Date()
            let groups = zip(batch.problems, batch.results).map { problem, results in
                ScoredGroup(problem: problem, step: batch.step, version: batch.version,
                            responses: results.map { sampler.score($0, problem: problem) })
            }
            try await scored.send(ScoredBatch(step: batch.step, index: batch.index, groups: groups, sampleSeconds: batch.seconds,
                                              seconds: Date().timeIntervalSince(started)))
        }
    }

    /// Reorders scored batches, applies dynamic sampling, and emits one StepBatch per step.
    private func filterLoop(from firstStep: Int, cursor start: ShardCursor) async throws {
        let spec = context.spec
        var cursor = start
        var pending: [Int: ScoredBatch] = [:]
        var kept: [ScoredGroup] = []
        var step = firstStep, nextIndex = 0, sampled = 0, verifySeconds = 0.0, sampleSeconds = 0.0
        defer { batches.finish() }
        var activeVerifiers = true
        while activeVerifiers || !pending.isEmpty {
            if pending[nextIndex] == nil {
                guard let batch = try await scored.receive() else { activeVerifiers = false; continue }
                pending[batch.index] = batch
                continue
            }
            let batch = pending.removeValue(forKey: nextIndex)!
            nextIndex += 1
            sampled += batch.groups.count
            verifySeconds += batch.seconds
            sampleSeconds += batch.sampleSeconds
            cursor = try Self.advance(cursor, by: batch.groups.count, in: context.train)
            let keep = spec.dynamicSampling.enabled
                ? batch.groups.filter { DynamicGroupFilter.keeps($0.accuracies) } : batch.groups
            kept += keep
            let full = kept.count >= spec.rollout.promptsPerStep
            let exhausted = spec.dynamicSampling.enabled && spec.dynamicSampling.maxGenBatches > 0
                && nextIndex >= spec.dynamicSampling.maxGenBatches
            if !full && exhausted {
                throw DynamicSamplingError(tried: nextIndex, kept: kept.count, target: spec.rollout.promptsPerStep)
            }
            if full || !spec.dynamicSampling.enabled {
                let groups = Array(kept.prefix(spec.rollout.promptsPerStep))
                try await batches.send(StepBatch(step: step, version: batch.groups.first?.version ?? 0, groups: groups,
                                                 cursor: cursor, generationBatches: nextIndex, groupsSampled: sampled,
                                                 sampleSeconds: sampleSeconds,
                                                 verifySeconds: verifySeconds))
                try await decisions.send(false)
                step += 1
                nextIndex = 0
                sampled = 0
                verifySeconds = 0
                sampleSeconds = 0
                kept = []
                pending = pending.filter { $0.value.step >= step }
            } else {
                try await decisions.send(true)
            }
        }
    }

    /// The cursor after drawing `n` more records.
    static func advance(_ cursor: ShardCursor, by n: Int, in set: ShardSet) throws -> ShardCursor {
        var c = cursor
        for _ in 0..<n { _ = try set.nextIndex(&c) }
        return c
    }
}

/// A channel's name and metrics, whatever its element type.
public protocol ChannelReporting: Sendable {
    var name: String { get }
    var metrics: ChannelMetrics { get }
    func fail(_ error: any Error)
}

extension BoundedChannel: ChannelReporting {}
