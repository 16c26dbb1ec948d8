// Range and cross-field checks of a pipeline spec, and the files it names. Runs before any work.

import DispoLosses
import DispoRollout
import DispoSupport
import Foundation

extension PipelineSpec {
    public func validate(file: String, checkFiles: Bool = true) throws {
        func check(_ ok: Bool, _ path: String, _ expected: String, _ found: Any) throws {
            if !ok { throw InputError(file: file, place: path, expected: expected, found: "\(found)") }
        }
        func positive(_ value: Int, _ path: String) throws { try check(value >= 1, path, "a whole number ≥ 1", value) }
        try check(!name.isEmpty && !name.contains("/"), "$.name", "a name without /", name)
        try check((model.path == nil) != (model.config == nil), "$.model", "exactly one of \"path\" (a model directory) or \"config\" (a config.json to initialise)",
                  model.path == nil ? "neither" : "both")
        try positive(rollout.groupSize, "$.rollout.group_size")
        try positive(rollout.promptsPerStep, "$.rollout.prompts_per_step")
        if let g = rollout.genBatchPrompts { try positive(g, "$.rollout.gen_batch_prompts") }
        try positive(rollout.maxNewTokens, "$.rollout.max_new_tokens")
        try check(rollout.temperature > 0 && rollout.temperature.isFinite, "$.rollout.temperature", "a number > 0", rollout.temperature)
        try check(rollout.topP > 0 && rollout.topP <= 1, "$.rollout.top_p", "a number in (0, 1]", rollout.topP)
        try check(rollout.topK >= 0, "$.rollout.top_k", "a whole number ≥ 0 (0 = off)", rollout.topK)
        try check((0...8).contains(rollout.maxStaleness), "$.rollout.max_staleness", "a whole number in [0, 8]", rollout.maxStaleness)
        try rollout.backend.validate(file: file, path: "$.rollout.backend")
        try check(rollout.backend.weightSync.every == 1, "$.rollout.backend.weight_sync.every",
                  "1 in a pipeline (it syncs when a step needs a newer version than the servers have; raise rollout.max_staleness to sync less often)",
                  rollout.backend.weightSync.every)
        do {
            _ = try LogProbSemantics.check(rollout.backend, temperature: rollout.temperature, topP: rollout.topP, topK: rollout.topK,
                                           recomputeOldLogProbs: rollout.recomputeOldLogprobs)
        } catch {
            throw InputError(file: file, place: "$.rollout.backend.logprobs", expected: "log-probs the learner can use as old log-probs",
                             found: "\(error)")
        }
        try check(train.steps >= 0, "$.train.steps", "a whole number ≥ 0 (0 = warm start and evaluation only)", train.steps)
        try positive(train.miniBatches, "$.train.mini_batches")
        try positive(train.microBatchSize, "$.train.micro_batch_size")
        let batch = rollout.promptsPerStep * rollout.groupSize
        try check(batch % train.miniBatches == 0, "$.train.mini_batches",
                  "a divisor of the step's batch (prompts_per_step × group_size = \(batch) responses)", train.miniBatches)
        try check(optimizer.lr > 0 && optimizer.lr.isFinite, "$.optimizer.lr", "a number > 0", optimizer.lr)
        try check((0..<1).contains(optimizer.beta1), "$.optimizer.beta1", "a number in [0, 1)", optimizer.beta1)
        try check((0..<1).contains(optimizer.beta2), "$.optimizer.beta2", "a number in [0, 1)", optimizer.beta2)
        try check(optimizer.eps > 0, "$.optimizer.eps", "a number > 0", optimizer.eps)
        try check(optimizer.weightDecay >= 0, "$.optimizer.weight_decay", "a number ≥ 0", optimizer.weightDecay)
        try check(optimizer.gradClip >= 0, "$.optimizer.grad_clip", "a number ≥ 0 (0 = off)", optimizer.gradClip)
        try check(optimizer.warmupSteps >= 0, "$.optimizer.warmup_steps", "a whole number ≥ 0", optimizer.warmupSteps)
        try check((0...1).contains(optimizer.minLRRatio), "$.optimizer.min_lr_ratio", "a number in [0, 1]", optimizer.minLRRatio)
        do { try (algorithm.loss ?? algorithm.name.loss).validate() } catch let error as LossInputError {
            throw InputError(file: file, place: "$.algorithm.loss", expected: "valid loss settings", found: error.message)
        }
        if let adaptive = algorithm.adaptiveClip {
            try check((algorithm.loss ?? algorithm.name.loss).kind == .dispo, "$.algorithm.adaptive_clip",
                      "a DISPO loss (the schedule sets DISPO's four ε)", (algorithm.loss ?? algorithm.name.loss).kind.rawValue)
            do { try adaptive.validate() } catch let error as LossInputError {
                throw InputError(file: file, place: "$.algorithm.adaptive_clip", expected: "valid schedule settings", found: error.message)
            }
        }
        try train.collapse?.validate(file: file, path: "$.train.collapse")
        try check(algorithm.entropyCoef >= 0, "$.algorithm.entropy_coef", "a number ≥ 0", algorithm.entropyCoef)
        try check(algorithm.klCoef >= 0, "$.algorithm.kl_coef", "a number ≥ 0", algorithm.klCoef)
        try check(algorithm.klCoef == 0, "$.algorithm.kl_coef", "0 (a reference model is not supported yet)", algorithm.klCoef)
        if let c = algorithm.aggregationConstant { try check(c > 0, "$.algorithm.aggregation_constant", "a number > 0", c) }
        try scoring.validate(file: file)
        try dynamicSampling.validate(file: file)
        try check(data.evalLimit >= 0, "$.data.eval_limit", "a whole number ≥ 0 (0 = all)", data.evalLimit)
        try check(eval.every >= 0, "$.eval.every", "a whole number ≥ 0", eval.every)
        try positive(eval.samples, "$.eval.samples")
        if let t = eval.temperature { try check(t > 0, "$.eval.temperature", "a number > 0", t) }
        try check(checkpoint.every >= 0, "$.checkpoint.every", "a whole number ≥ 0", checkpoint.every)
        try positive(checkpoint.keep, "$.checkpoint.keep")
        try positive(channels.prompts, "$.channels.prompts")
        try positive(channels.groups, "$.channels.groups")
        try positive(channels.batches, "$.channels.batches")
        try positive(threads.sampler, "$.threads.sampler")
        try positive(threads.learner, "$.threads.learner")
        try positive(threads.blas, "$.threads.blas")
        if let sft {
            try check(sft.steps >= 0, "$.sft.steps", "a whole number ≥ 0", sft.steps)
            try positive(sft.batchSize, "$.sft.batch_size")
            try check(sft.lr > 0, "$.sft.lr", "a number > 0", sft.lr)
        }
        if checkFiles { try checkPaths(file: file) }
    }

    /// Every file or directory the spec names exists and is of the right kind.
    func checkPaths(file: String) throws {
        func exists(_ path: String?, _ place: String, directory: Bool, what: String, extra: String? = nil) throws {
            guard let path else { return }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue == directory else {
                throw InputError(file: file, place: place, expected: what, found: "\"\(path)\" does not exist" + (directory ? " or is not a directory" : ""))
            }
            if let extra, !FileManager.default.fileExists(atPath: path + "/" + extra) {
                throw InputError(file: file, place: place, expected: what, found: "\"\(path)\" without \(extra)")
            }
        }
        try exists(model.path, "$.model.path", directory: true, what: "a model directory", extra: "config.json")
        try exists(model.config, "$.model.config", directory: false, what: "a config.json file")
        if let tokenizer {
            guard FileManager.default.fileExists(atPath: tokenizer) else {
                throw InputError(file: file, place: "$.tokenizer", expected: "a tokenizer file or directory", found: "\"\(tokenizer)\" does not exist")
            }
        } else if model.path == nil {
            throw InputError(file: file, place: "$.tokenizer", expected: "a tokenizer path (required when the model is initialised from a config)", found: "none")
        }
        try exists(data.train, "$.data.train", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
        try exists(data.eval, "$.data.eval", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
        try exists(sft?.data, "$.sft.data", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
    }
}
