// A run over several ranks (`mpirun -np N dispo run …`, docs/SCALING.md): what the run does besides the
// one-process path. Every rank builds the same context, draws the same prompts and holds the same weights;
// each samples, scores and learns on its share; rank 0 alone writes into the run directory (lock, spec,
// metrics, rollouts, checkpoints, evaluation files, final model, summary) and prints progress.
//
// The run's own collectives, in their fixed order on every rank (the learner's are in
// DispoLearner/DataParallel.swift, the producing stages' in Stages/GroupExchange.swift):
//
//   run.start          broadcast from rank 0: the run directory is locked and ready, which checkpoint to resume
//   run.weights        all-gather of a hash of the weights after the start and at the end: every rank holds
//                      the same model (a mismatch is a bug, reported instead of training on)
//   eval.outcomes      per evaluation: each rank evaluates its contiguous part of the held-out problems, every
//                      rank gets all outcomes in problem order (the result equals one process's)
//   per step s:        pipeline.groups (s, 0…i) → learner.* → run.values (broadcast of rank 0's step metrics,
//                      so the clipping schedule and collapse detection decide identically) → eval.outcomes
//                      when due → run.stop (all-reduce max of the stop flags: every rank stops after the same step)

import DispoDistributed
import DispoEngine
import DispoSupport
import Foundation

/// An error another rank reported (every rank ends with it).
public struct RankError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension PipelineRun {
    var isRoot: Bool { communicator.rank == 0 }
    var isDataParallel: Bool { communicator.size > 1 }
    var share: RankShare { RankShare(rank: communicator.rank, size: communicator.size) }

    /// What a data-parallel run cannot do yet (checked on every rank before anything is written).
    func checkDataParallelSpec() throws {
        guard isDataParallel else { return }
        let spec = context.spec
        if context.backend != nil {
            throw InputError(file: "pipeline", place: "$.rollout.backend", expected: "local sampling with \(communicator.size) ranks",
                             found: "a server pool", hint: "run a server-pool pipeline as one process (without mpirun)")
        }
        if spec.rollout.promptsPerStep < communicator.size {
            throw InputError(file: "pipeline", place: "$.rollout.prompts_per_step",
                             expected: "at least one prompt per rank (\(communicator.size) ranks)", found: "\(spec.rollout.promptsPerStep)",
                             hint: "launch at most \(spec.rollout.promptsPerStep) ranks, or raise rollout.prompts_per_step")
        }
        if spec.rollout.recomputeOldLogprobs {
            throw InputError(file: "pipeline", place: "$.rollout.recompute_old_logprobs",
                             expected: "false with \(communicator.size) ranks", found: "true",
                             hint: "run as one process, or set rollout.recompute_old_logprobs=false")
        }
    }

    /// Runs `body` on rank 0 only; every rank returns its result, or throws its error.
    func onRoot(_ label: String, _ body: () throws -> Int) throws -> Int {
        guard isDataParallel else { return try body() }
        var value = 0
        var failure: (any Error)?
        if isRoot {
            do { value = try body() } catch { failure = error }
        }
        var writer = WireWriter()
        writer.int(failure == nil ? 1 : 0)
        writer.int(value)
        writer.string(failure.map { "\($0)" } ?? "")
        let bytes = try communicator.broadcast(writer.bytes, root: 0, label: label)
        if let failure { throw failure }
        var reader = WireReader(bytes, what: "'\(label)' from rank 0")
        let ok = try reader.int(), result = try reader.int(), message = try reader.string()
        try reader.end()
        guard ok == 1 else { throw RankError(message: "rank 0 failed: \(message)") }
        return result
    }

    /// Checks that every rank holds the same weights (a hash of the parameter arena, all-gathered).
    func checkSameWeights(_ when: String) throws {
        guard isDataParallel else { return }
        let model = context.learnerModel
        let hash = XXH64.hash(UnsafeRawBufferPointer(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount)))
        var writer = WireWriter()
        writer.u64(hash)
        let hashes = try communicator.allGather(writer.bytes, label: "run.weights")
        guard hashes.allSatisfy({ $0 == hashes[0] }) else {
            throw RankError(message: "the ranks hold different weights \(when) (a bug: data-parallel ranks must stay identical); "
                            + "the last checkpoint is unaffected")
        }
    }

    /// Rank 0's step metrics on every rank.
    func rootValues(_ values: [String: Double]) async throws -> [String: Double] {
        guard isDataParallel else { return values }
        var writer = WireWriter()
        let names = values.keys.sorted()
        writer.int(names.count)
        for name in names {
            writer.string(name)
            writer.double(values[name] ?? 0)
        }
        let message = writer.bytes
        let bytes = try await communicator.detached { try $0.broadcast(message, root: 0, label: "run.values") }
        var reader = WireReader(bytes, what: "step metrics from rank 0")
        var out: [String: Double] = [:]
        for _ in 0..<(try reader.count(itemBytes: 16)) {
            let name = try reader.string()
            out[name] = try reader.double()
        }
        try reader.end()
        return out
    }

    /// Whether any rank was asked to stop (SIGINT/SIGTERM): then every rank stops after this step.
    func agreeToStop() async throws -> Bool {
        let mine: Double = stop.isRaised ? 1 : 0
        let any = try await communicator.detached { try $0.allReduce([mine], op: .max, label: "run.stop") }
        return any[0] > 0
    }

    /// Every rank's evaluation outcomes and per-problem lines, in problem order (ranks hold contiguous parts).
    func gatherEvaluation(_ outcomes: [EvalProblemOutcome], lines: String) throws -> ([EvalProblemOutcome], String) {
        guard isDataParallel else { return (outcomes, lines) }
        var writer = WireWriter()
        writer.doubles(outcomes.flatMap { o in
            [o.fraction, o.passed ? 1 : 0, o.majorityCorrect ? 1 : 0, o.lengths, o.greedyCorrect ? 1 : 0]
        })
        writer.string(lines)
        var all: [EvalProblemOutcome] = []
        var text = ""
        for (rank, bytes) in try communicator.allGather(writer.bytes, label: "eval.outcomes").enumerated() {
            var reader = WireReader(bytes, what: "evaluation outcomes from rank \(rank)")
            let v = try reader.doubles()
            text += try reader.string()
            try reader.end()
            guard v.count % 5 == 0 else { throw CommunicatorError("evaluation outcomes from rank \(rank): malformed message") }
            for i in stride(from: 0, to: v.count, by: 5) {
                all.append(EvalProblemOutcome(fraction: v[i], passed: v[i + 1] == 1, majorityCorrect: v[i + 2] == 1,
                                              lengths: v[i + 3], greedyCorrect: v[i + 4] == 1))
            }
        }
        return (all, text)
    }
}
