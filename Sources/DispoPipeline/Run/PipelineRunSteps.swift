// The pieces of a run around the streaming loop: warm start, evaluation, checkpoints, restore, final model.

import DispoEngine
import DispoLearner
import DispoShards
import DispoSupport
import Foundation

extension PipelineRun {
    func snapshot(_ model: Transformer) -> [Float] {
        Array(UnsafeBufferPointer(start: model.parameters.base, count: model.parameterCount))
    }

    func warmStart() throws {
        guard let sft = context.spec.sft, sft.steps > 0 else { return }
        let started = Date()
        let data = try ShardSet(directory: sft.data)
        let warm = SupervisedWarmStart(data: data, steps: sft.steps, batchSize: sft.batchSize, lr: sft.lr,
                                       warmupSteps: sft.warmupSteps, seed: context.spec.seed)
        let bar = ProgressBar(label: "warm start", total: sft.steps)
        let loss = try warm.run(context.learnerModel) { step, loss in bar.update(step, extra: String(format: "loss %.3f", loss)) }
        bar.finish(sft.steps)
        log(String(format: "warm start: %d steps, final loss %.4f, %.1fs", sft.steps, loss, Date().timeIntervalSince(started)))
    }

    /// Evaluates the learner's current weights on the held-out problems; writes `eval-LABEL.json` (the metrics)
    /// and `eval-LABEL.jsonl` (one line per problem: EvalProblemLine).
    @discardableResult
    func evaluate(label: String) throws -> EvalResult? {
        guard !context.evalProblems.isEmpty else { return nil }
        let started = Date()
        let spec = context.spec
        var parameters = context.samplingParameters
        parameters.temperature = spec.eval.temperature ?? spec.rollout.temperature
        let generator: Generator
        if context.samplerWeights != nil {
            // Packed sampler weights: no fp32 copy; the learner's weights through BLAS (it is between steps), with
            // no more sequences at once than the sampler's, so the KV cache stays the size the memory plan counts.
            let r = spec.rollout
            let slots = min(256, r.groupSize * min(r.genBatchPrompts ?? r.promptsPerStep, r.promptsPerStep))
            generator = context.newGenerator(context.learnerModel, slots: slots, kernel: .blas)
        } else {
            let model = context.evalModel
            model.parameters.copy(from: context.learnerModel.parameters)
            model.threads = context.spec.threads.sampler
            generator = context.newGenerator(model, slots: 256)
        }
        let sampler = RolloutSampler(generator: generator, tokenizer: context.tokenizer, scorer: context.scorer,
                                     parameters: parameters, seed: spec.seed)
        var lines = ""
        // Data-parallel: each rank evaluates its contiguous part of the problems; all outcomes are gathered.
        let problems = context.evalProblems
        let mine = isDataParallel ? Array(problems[share.range(of: problems.count)]) : problems
        let evaluator = Evaluator(sampler: sampler, samples: spec.eval.samples, greedy: spec.eval.greedy)
        let outcomes = try evaluator.outcomes(mine) {
            lines += try EvalProblemLine($0, tokenizer: context.tokenizer).jsonLine() + "\n"
        }
        let all: [EvalProblemOutcome]
        (all, lines) = try gatherEvaluation(outcomes, lines: lines)
        let result = Evaluator.aggregate(all, samples: spec.eval.samples, greedy: spec.eval.greedy)
        guard isRoot else { return result }
        try AtomicFile.write(lines, to: context.runDir + "/eval-\(label).jsonl")
        try AtomicFile.write(Array(try JSONWriter.data(result.metrics, pretty: true)), to: context.runDir + "/eval-\(label).json")
        log(String(format: "eval %@: mean@%d %.3f ± %.3f, pass@%d %.3f, maj@%d %.3f%@ (%d problems, %.1fs)", label,
                   spec.eval.samples, result.meanAtK, result.standardError, spec.eval.samples, result.passAtK,
                   spec.eval.samples, result.majAtK, result.greedy.map { String(format: ", greedy %.3f", $0) } ?? "",
                   result.problems, Date().timeIntervalSince(started)))
        return result
    }

    func readEval(_ label: String) -> EvalResult? {
        guard let m = try? StrictJSONDecoder().decode([String: Double].self, fromFile: context.runDir + "/eval-\(label).json")
        else { return nil }
        var r = EvalResult()
        r.meanAtK = m["eval/mean@k"] ?? 0
        r.greedy = m["eval/greedy"]
        r.standardError = m["eval/mean@k_stderr"] ?? 0
        return r
    }

    func checkpoint(learner: Learner, state: CheckpointState, store: PolicyStore) throws {
        guard let keep = versionsToKeep(steps: state.steps, store: store) else {
            log("checkpoint of step \(state.steps) not written: the sampler's weights already moved past the version it needs;"
                + " the previous checkpoint is the one to resume from")
            return
        }
        var state = state
        state.versions = keep.copies.keys.sorted() + (keep.packed.map { [$0.0] } ?? [])
        state.ranks = isDataParallel ? communicator.size : nil
        guard isRoot else {
            checkpointed = state.steps
            return
        }
        try Checkpoints.write(directory: checkpointDir, model: context.learnerModel, optimizer: learner.optimizer, state: state,
                              versions: keep.copies, samplerWeights: keep.packed.map { (version: $0.0, weights: $0.1) },
                              tokenizerFiles: context.tokenizerFiles, keep: context.spec.checkpoint.keep)
        checkpointed = state.steps
    }

    func restore(_ steps: Int, learner: Learner, store: PolicyStore) throws -> CheckpointState {
        let directory = checkpointDir + "/" + Checkpoints.name(steps)
        try Checkpoints.verify(directory)
        let state = try Checkpoints.readState(directory, maxSteps: context.spec.train.steps)
        guard state.specHash == context.specHash || acceptedSpecHashes.contains(state.specHash) else {
            throw InputError(file: directory + "/state.json", expected: "spec hash \(context.specHash) (the run's spec.json)",
                             found: state.specHash, hint: "spec.json changed since this checkpoint; restore it, or resume with --set and --allow-change")
        }
        try context.learnerModel.loadWeights(directory: directory)
        try learner.optimizer.restore(step: state.optimizerStep,
                                      adamwState: learner.optimizer.adamw == nil ? nil : directory + "/optimizer.bin")
        if context.samplerWeights != nil {
            try restoreSamplerWeights(directory: directory, state: state, store: store)
        } else {
            for v in state.versions {
                store.publish(v, weights: try Checkpoints.readVersion(directory, v, count: context.learnerModel.parameterCount))
            }
        }
        checkpointed = state.steps
        return state
    }

    /// RUN_DIR/final: the trained model with its tokenizer files, written under a temporary name and renamed.
    func writeFinal() throws {
        let final = context.runDir + "/final"
        let temporary = context.runDir + "/.final-tmp"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try context.learnerModel.save(directory: temporary)
        try CompanionFiles.copy(context.tokenizerFiles, into: temporary)
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
        AtomicFile.syncDirectory(of: final)
    }
}
