// The producing stages in-process on a tiny model: what a step holds, independence from capacities, worker
// counts and timing, dynamic sampling's redraw rule, version waits, and that failures and stops end every
// stage promptly instead of leaving one waiting.
import DispoEngine
import DispoPipeline
import DispoShards
import DispoVerifier
import XCTest

final class ProducingStagesTests: XCTestCase {
    struct Injected: Error, Equatable {}

    /// What a step trained on: per group, the problem index and every response's tokens.
    private func signature(_ batches: [StepBatch]) -> [String] {
        batches.map { b in
            "\(b.step)@\(b.version): " + b.groups.map { g in "\(g.problem.index)=" + g.responses.map { "\($0.tokens)" }.joined(separator: "|") }
                .joined(separator: "; ")
        }
    }

    /// A scorer whose verdicts are fixed by (problem, response index) — about half correct — after an
    /// optional random delay.
    private func fakeScoring(delay: Bool = false, failAt: Int? = nil) -> ResponseScoring {
        let calls = Counter()
        return { result, problem, _ in
            let n = calls.next()
            if let failAt, n == failAt { throw Injected() }
            if delay { try await Task.sleep(nanoseconds: UInt64.random(in: 0...2_000_000)) }
            var score = ResponseScorer().score(response: "", gold: problem.answer)
            score.verdict.correct = (problem.index * 7 + result.tokens.reduce(0) { $0 + Int($1) }) % 3 == 0
            score.reward = score.verdict.correct ? 1 : -1
            return ScoredResponse(tokens: result.tokens, logProbs: result.logProbs, stopped: result.finishReason == .stop,
                                  score: score)
        }
    }

    private func produce(_ spec: PipelineSpec, scoring: ResponseScoring? = nil, workers: Int = 2,
                         publish versions: Int? = nil) async throws -> [StepBatch] {
        let context = try RunContext(spec: spec)
        let store = PolicyStore()
        let weights = Array(UnsafeBufferPointer(start: context.learnerModel.parameters.base, count: context.learnerModel.parameterCount))
        for v in 0...(versions ?? spec.train.steps) { store.publish(v, weights: weights) }
        let stages = try ProducingStages(context: context, store: store, scoring: scoring, verifierWorkers: workers)
        async let running: Void = stages.run(steps: 0..<spec.train.steps, cursor: ShardCursor(seed: spec.seed))
        var out: [StepBatch] = []
        while let b = try await stages.batches.receive() { out.append(b) }
        try await running
        return out
    }

    func test_a_step_holds_prompts_per_step_groups_whatever_the_generation_batch_size() async throws {
        let fixture = try PipelineFixture(test: self)
        for perBatch in [1, 3, 4] {
            let batches = try await produce(try fixture.spec(["rollout.gen_batch_prompts=\(perBatch)"]))
            XCTAssertEqual(batches.map(\.groups.count), [4, 4, 4], "gen_batch_prompts \(perBatch)")
            XCTAssertEqual(batches.map(\.generationBatches), Array(repeating: (4 + perBatch - 1) / perBatch, count: 3))
            // Consecutive steps draw consecutive prompts: 12 distinct draws of a 40-problem epoch.
            XCTAssertEqual(Set(batches.flatMap { $0.groups.map(\.problem.index) }).count, 12)
        }
    }

    func test_results_do_not_depend_on_capacities_workers_or_timing() async throws {
        let fixture = try PipelineFixture(test: self)
        for dynamic in [false, true] {
            let base = ["dynamic_sampling.enabled=\(dynamic)", "rollout.gen_batch_prompts=2"]
            let tight = try await produce(try fixture.spec(base + ["channels.prompts=1", "channels.groups=1", "channels.batches=1"]),
                                          scoring: fakeScoring(), workers: 1)
            let loose = try await produce(try fixture.spec(base + ["channels.prompts=64", "channels.groups=64", "channels.batches=4"]),
                                          scoring: fakeScoring(delay: true), workers: 3)
            XCTAssertEqual(signature(tight), signature(loose), "dynamic sampling \(dynamic)")
            XCTAssertEqual(tight.map(\.cursor), loose.map(\.cursor))
            XCTAssertEqual(tight.map(\.groups.count), [4, 4, 4])
        }
    }

    func test_dynamic_sampling_keeps_only_informative_groups_and_redraws_after_the_step_end() async throws {
        let fixture = try PipelineFixture(test: self)
        let spec = try fixture.spec(["dynamic_sampling.enabled=true", "rollout.gen_batch_prompts=2", "rollout.group_size=3"])
        let batches = try await produce(spec, scoring: fakeScoring(delay: true), workers: 3)
        let set = try ShardSet(directory: spec.data.train)
        var cursor = ShardCursor(seed: spec.seed)
        for b in batches {
            XCTAssertEqual(b.groups.count, 4)
            for g in b.groups { XCTAssertTrue(DynamicGroupFilter.keeps(g.accuracies), "step \(b.step) kept a uniform group") }
            // The step's groups come from its batches in draw order, starting where the previous step ended.
            let drawn = try (0..<(2 * b.generationBatches)).map { _ in try set.nextIndex(&cursor) }
            XCTAssertEqual(cursor, b.cursor, "step \(b.step): the cursor after its last batch")
            let kept = b.groups.map(\.problem.index)
            XCTAssertEqual(kept, drawn.filter { kept.contains($0) }.prefix(4).map { $0 })
            XCTAssertGreaterThan(b.groupsSampled, b.groupsKept, "the fake scorer makes some groups uniform")
        }
    }

    func test_the_sampler_waits_for_the_version_its_step_needs() async throws {
        let fixture = try PipelineFixture(test: self)
        let spec = try fixture.spec(["rollout.max_staleness=1"])
        let context = try RunContext(spec: spec)
        let store = PolicyStore()
        let weights = Array(UnsafeBufferPointer(start: context.learnerModel.parameters.base, count: context.learnerModel.parameterCount))
        store.publish(0, weights: weights)
        let stages = try ProducingStages(context: context, store: store)
        let running = Task { try await stages.run(steps: 0..<3, cursor: ShardCursor(seed: spec.seed)) }
        // Steps 1 and 2 (0-based 0, 1) are sampled with version 0; the third needs version 1.
        let first = try await stages.batches.receive(), second = try await stages.batches.receive()
        XCTAssertEqual([first?.version, second?.version], [0, 0])
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(stages.batches.bufferedCount, 0, "no batch for step 3 before version 1 exists")
        store.publish(1, weights: weights)
        let third = try await stages.batches.receive()
        XCTAssertEqual(third?.version, 1)
        try await running.value
    }

    func test_a_failing_stage_ends_every_stage_and_the_consumer_with_its_error() async throws {
        let fixture = try PipelineFixture(test: self)
        let spec = try fixture.spec(["rollout.gen_batch_prompts=1", "channels.prompts=1", "channels.groups=1"])
        let context = try RunContext(spec: spec)
        let store = PolicyStore()
        store.publish(0, weights: Array(UnsafeBufferPointer(start: context.learnerModel.parameters.base, count: context.learnerModel.parameterCount)))
        let stages = try ProducingStages(context: context, store: store, scoring: fakeScoring(failAt: 5))
        let running = Task { try await stages.run(steps: 0..<3, cursor: ShardCursor(seed: spec.seed)) }
        // The consumer sees the scorer's error (the first step cannot complete: 4 prompts × 2 samples > 5 calls).
        do {
            while try await stages.batches.receive() != nil {}
            XCTFail("expected the injected error")
        } catch {
            XCTAssertTrue(error is Injected, "\(error)")
        }
        do {
            try await running.value
            XCTFail("expected the injected error")
        } catch {
            XCTAssertTrue(error is Injected, "\(error)")
        }
        // Waits that would otherwise hang now throw too.
        do {
            _ = try await store.weights(99)
            XCTFail("expected the injected error")
        } catch {
            XCTAssertTrue(error is Injected, "\(error)")
        }
    }

    func test_fail_from_the_consumer_stops_stages_blocked_on_full_channels() async throws {
        let fixture = try PipelineFixture(test: self)
        let spec = try fixture.spec(["channels.batches=1", "channels.groups=1", "train.steps=8", "rollout.max_staleness=8"])
        let context = try RunContext(spec: spec)
        let store = PolicyStore()
        store.publish(0, weights: Array(UnsafeBufferPointer(start: context.learnerModel.parameters.base, count: context.learnerModel.parameterCount)))
        let stages = try ProducingStages(context: context, store: store)
        let running = Task { try await stages.run(steps: 0..<8, cursor: ShardCursor(seed: spec.seed)) }
        // Nobody consumes: every stage ends up blocked on a full channel.
        while stages.batches.bufferedCount < 1 { try await Task.sleep(nanoseconds: 10_000_000) }
        try await Task.sleep(nanoseconds: 100_000_000)
        stages.fail(StopRequested())
        do {
            try await running.value
            XCTFail("expected StopRequested")
        } catch {
            XCTAssertTrue(error is StopRequested, "\(error)")
        }
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}
