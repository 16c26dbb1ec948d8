// The verifier workers: several tasks take sampled generation batches off the `generated` channel, score
// every response (decode, grade, overlong shaping, repetition) and send the scored batch on. They run
// concurrently with sampling, each on Swift's cooperative pool; the order in which they finish does not
// matter, since the filter puts batches back in (step, index) order.

import DispoChannels
import DispoEngine
import Foundation

/// Which response is scored: the learner step (1-based) it is sampled for and its index in its group.
public struct ResponsePlace: Sendable {
    public var step: Int
    public var sample: Int
}

/// Scores one generated response to `problem` (the verifier's work; a benchmark may substitute a slower one).
public typealias ResponseScoring = @Sendable (GenerationResult, Problem, ResponsePlace) async throws -> ScoredResponse

struct VerifierStage: Sendable {
    let scoring: ResponseScoring
    let workers: Int
    let boundaries: StepBoundaries
    let input: BoundedChannel<GenerationBatch>
    let output: BoundedChannel<ScoredBatch>

    /// Runs the workers until `input` is drained; then finishes `output`.
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, workers) { group.addTask { try await self.work() } }
            // Not waitForAll(): that waits for every worker before rethrowing, and the others may be waiting
            // on a channel. Iterating throws at the first error, and leaving the group cancels the rest.
            for try await _ in group {}
        }
        output.finish()
    }

    private func work() async throws {
        for try await batch in input {
            let p = batch.prompts
            if boundaries.isStale(step: p.step, index: p.index) { continue }
            if FaultInjection.matches("verifier-error", p.step + 1) {
                throw PipelineStageError(stage: "verifier", message: "injected fault at step \(p.step + 1) (DISPO_FAULT)")
            }
            let started = Date()
            var groups: [ScoredGroup] = []
            for (problem, results) in zip(p.problems[p.share], batch.results) {
                var responses: [ScoredResponse] = []
                for (j, result) in results.enumerated() {
                    responses.append(try await scoring(result, problem, ResponsePlace(step: p.step + 1, sample: j)))
                }
                groups.append(ScoredGroup(problem: problem, version: batch.version, responses: responses))
            }
            try await output.send(ScoredBatch(step: p.step, index: p.index, groups: groups, cursorAfter: p.cursorAfter,
                                              sampleSeconds: batch.seconds, verifySeconds: Date().timeIntervalSince(started)))
        }
    }
}
