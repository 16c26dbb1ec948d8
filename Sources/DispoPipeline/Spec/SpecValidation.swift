// Range and cross-field checks of a pipeline spec, and the files it names. Runs before any work.

import DispoEngine
import DispoLosses
import DispoRollout
import DispoSupport
import DispoVerifier
import Foundation

extension PipelineSpec {
    /// Every numeric setting against its documented range (Pipelines/README.md, "Keys"), the cross-field
    /// rules, and, with `checkFiles`, the files the spec names.
    public func validate(file: String, checkFiles: Bool = true) throws {
        let v = SpecChecker(file: file)
        try v.check(!name.isEmpty && !name.contains("/"), "$.name", "a name without /", name)
        try v.check((model.path == nil) != (model.config == nil), "$.model", "exactly one of \"path\" (a model directory) or \"config\" (a config.json to initialise)",
                    model.path == nil ? "neither" : "both")
        try validateRollout(v)
        try validateTraining(v)
        try validateAlgorithm(v)
        try validateScoring(v)
        try v.int(data.evalLimit, "$.data.eval_limit", Limits.count, "0 = all")
        try v.int(eval.every, "$.eval.every", Limits.count, "0 = only before and after")
        try v.int(eval.samples, "$.eval.samples", Limits.samples)
        if let t = eval.temperature { try v.real(Double(t), "$.eval.temperature", Limits.temperature, lowerOpen: true) }
        try v.int(checkpoint.every, "$.checkpoint.every", Limits.count, "0 = only at the end")
        try v.int(checkpoint.keep, "$.checkpoint.keep", 1...10_000)
        for (value, key) in [(channels.prompts, "prompts"), (channels.groups, "groups"), (channels.batches, "batches")] {
            try v.int(value, "$.channels.\(key)", Limits.sequences)
        }
        for (value, key) in [(threads.sampler, "sampler"), (threads.learner, "learner"), (threads.blas, "blas")] {
            try v.int(value, "$.threads.\(key)", Limits.threads)
        }
        if let sft {
            try v.int(sft.steps, "$.sft.steps", Limits.count)
            try v.int(sft.batchSize, "$.sft.batch_size", Limits.sequences)
            try v.real(sft.lr, "$.sft.lr", Limits.learningRate, lowerOpen: true)
            try v.int(sft.warmupSteps, "$.sft.warmup_steps", Limits.count)
        }
        if checkFiles { try checkPaths(file: file) }
    }

    private func validateRollout(_ v: SpecChecker) throws {
        try v.int(rollout.groupSize, "$.rollout.group_size", Limits.samples)
        try v.int(rollout.promptsPerStep, "$.rollout.prompts_per_step", Limits.sequences)
        if let g = rollout.genBatchPrompts { try v.int(g, "$.rollout.gen_batch_prompts", Limits.sequences) }
        try v.int(rollout.maxNewTokens, "$.rollout.max_new_tokens", Limits.newTokens)
        try v.real(Double(rollout.temperature), "$.rollout.temperature", Limits.temperature, lowerOpen: true)
        try v.real(Double(rollout.topP), "$.rollout.top_p", 0...1, lowerOpen: true)
        try v.int(rollout.topK, "$.rollout.top_k", 0...Int(Int32.max), "0 = off")
        try v.int(rollout.maxStaleness, "$.rollout.max_staleness", 0...8)
        try rollout.backend.validate(file: v.file, path: "$.rollout.backend")
        try v.check(rollout.backend.weightSync.every == 1, "$.rollout.backend.weight_sync.every",
                    "1 in a pipeline (it syncs when a step needs a newer version than the servers have; raise rollout.max_staleness to sync less often)",
                    rollout.backend.weightSync.every)
        do {
            _ = try LogProbSemantics.check(rollout.backend, temperature: rollout.temperature, topP: rollout.topP, topK: rollout.topK,
                                           recomputeOldLogProbs: rollout.recomputeOldLogprobs)
        } catch {
            throw InputError(file: v.file, place: "$.rollout.backend.logprobs", expected: "log-probs the learner can use as old log-probs",
                             found: "\(error)")
        }
        _ = try Limits.product(rollout.promptsPerStep, rollout.groupSize, limit: Limits.sequences.upperBound, file: v.file,
                               place: "$.rollout.group_size", what: "responses per step (prompts_per_step × group_size)")
        if let weights = rollout.samplerWeights, weights != .copy {
            // The packed weights are the only other version besides the learner's: staleness 0 or 1.
            try v.check(rollout.maxStaleness <= 1, "$.rollout.max_staleness",
                        "0 or 1 with rollout.sampler_weights \"\(weights.rawValue)\" (the sampler holds one version beside the learner's)",
                        rollout.maxStaleness)
            try v.check(rollout.backend.kind == .local, "$.rollout.sampler_weights",
                        "\"copy\" when sampling on a server pool (rollout.backend)", weights.rawValue)
        }
        if rollout.prefillPrecision != .f32 {
            try v.check(rollout.backend.kind == .local, "$.rollout.prefill_precision",
                        "\"f32\" when sampling on a server pool (the servers choose their own products)", rollout.prefillPrecision.rawValue)
            if let why = rollout.prefillPrecision.unavailability {
                throw InputError(file: v.file, place: "$.rollout.prefill_precision", expected: "a precision this machine can run",
                                 found: "\"\(rollout.prefillPrecision.rawValue)\": \(why)")
            }
        }
    }

    private func validateTraining(_ v: SpecChecker) throws {
        try v.int(train.steps, "$.train.steps", Limits.count, "0 = warm start and evaluation only")
        try v.int(train.miniBatches, "$.train.mini_batches", Limits.sequences)
        try v.int(train.microBatchSize, "$.train.micro_batch_size", Limits.sequences)
        let batch = rollout.promptsPerStep * rollout.groupSize   // ≤ 2^20: checked in validateRollout
        try v.check(batch % train.miniBatches == 0, "$.train.mini_batches",
                    "a divisor of the step's batch (prompts_per_step × group_size = \(batch) responses)", train.miniBatches)
        _ = try Limits.product(train.steps, train.miniBatches, limit: Limits.count.upperBound, file: v.file,
                               place: "$.train.mini_batches", what: "optimizer updates (steps × mini_batches)")
        try v.real(optimizer.lr, "$.optimizer.lr", Limits.learningRate, lowerOpen: true)
        try v.check((0..<1).contains(optimizer.beta1), "$.optimizer.beta1", "a number in [0, 1)", optimizer.beta1)
        try v.check((0..<1).contains(optimizer.beta2), "$.optimizer.beta2", "a number in [0, 1)", optimizer.beta2)
        try v.real(optimizer.eps, "$.optimizer.eps", 0...1, lowerOpen: true)
        try v.real(optimizer.weightDecay, "$.optimizer.weight_decay", 0...10)
        try v.real(optimizer.gradClip, "$.optimizer.grad_clip", 0...1e6, "0 = off")
        try v.int(optimizer.warmupSteps, "$.optimizer.warmup_steps", Limits.count)
        try v.real(optimizer.minLRRatio, "$.optimizer.min_lr_ratio", 0...1)
    }

    private func validateAlgorithm(_ v: SpecChecker) throws {
        let loss = algorithm.loss ?? algorithm.name.loss
        do { try loss.validate() } catch let error as LossInputError {
            throw InputError(file: v.file, place: "$.algorithm.loss", expected: "valid loss settings", found: error.message)
        }
        if let adaptive = algorithm.adaptiveClip {
            try v.check(loss.kind == .dispo, "$.algorithm.adaptive_clip", "a DISPO loss (the schedule sets DISPO's four ε)", loss.kind.rawValue)
            do { try adaptive.validate() } catch let error as LossInputError {
                throw InputError(file: v.file, place: "$.algorithm.adaptive_clip", expected: "valid schedule settings", found: error.message)
            }
        }
        try train.collapse?.validate(file: v.file, path: "$.train.collapse")
        for (key, value) in Self.settings(of: loss) { try v.real(Double(value), "$.algorithm.loss.\(key)", 0...1000) }
        try v.real(Double(algorithm.entropyCoef), "$.algorithm.entropy_coef", 0...1000)
        try v.check(algorithm.klCoef == 0, "$.algorithm.kl_coef", "0 (a reference model is not supported yet)", algorithm.klCoef)
        if let c = algorithm.aggregationConstant { try v.real(c, "$.algorithm.aggregation_constant", 0...1e9, lowerOpen: true) }
    }

    /// The numeric settings of a loss by JSON name (the losses check their own lower bounds and low ε ≤ 1).
    static func settings(of loss: PolicyLoss) -> [(String, Float)] {
        switch loss {
        case .dispo(let c):
            return [("eps_pos_low", c.epsPosLow), ("eps_pos_high", c.epsPosHigh), ("eps_neg_low", c.epsNegLow), ("eps_neg_high", c.epsNegHigh)]
        case .cispo(let c): return [("eps_low", c.epsLow), ("eps_high", c.epsHigh)]
        case .ppoClip(let c): return [("eps_low", c.epsLow), ("eps_high", c.epsHigh), ("dual_clip", c.dualClip)]
        case .reinforce: return []
        }
    }

    private func validateScoring(_ v: SpecChecker) throws {
        try v.nested("$.scoring") { try scoring.validate(file: v.file) }
        var values: [(String, RewardConfig)] = scoring.reward.components == nil ? [("$.scoring.reward", scoring.reward.values)] : []
        for (i, c) in (scoring.reward.components ?? []).enumerated() {
            if c.kind == .math { values.append(("$.scoring.reward[\(i)]", c.values)) }
            try v.real(c.failureReward, "$.scoring.reward[\(i)].failure_reward", Limits.reward)
        }
        for (path, r) in values {
            for (key, value) in [("correct", r.correct), ("incorrect", r.incorrect), ("no_answer", r.noAnswer)] {
                try v.real(value, "\(path).\(key)", Limits.reward)
            }
        }
        if let o = scoring.overlong {
            try v.int(o.maxLength, "$.scoring.overlong.max_length", Limits.newTokens)
            try v.real(o.factor, "$.scoring.overlong.factor", 0...1e6)
        }
        let rep = scoring.repetition
        try v.int(rep.maxPeriod, "$.scoring.repetition.max_period", 1...65_536)
        try v.int(rep.window, "$.scoring.repetition.window", 2...Limits.newTokens.upperBound)
        try v.real(rep.penalty, "$.scoring.repetition.penalty", Limits.reward)
        try v.nested("$.dynamic_sampling") { try dynamicSampling.validate(file: v.file) }
        try v.int(dynamicSampling.maxGenBatches, "$.dynamic_sampling.max_gen_batches", 0...1_000_000, "0 = never give up")
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
        if data.prepare != nil {
            try exists(data.train, "$.data.train", directory: false, what: "a dataset file (JSONL or JSON) to prepare (data.prepare)")
            try exists(data.eval, "$.data.eval", directory: false, what: "a dataset file (JSONL or JSON) to prepare (data.prepare)")
        } else {
            try exists(data.train, "$.data.train", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
            try exists(data.eval, "$.data.eval", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
        }
        try exists(sft?.data, "$.sft.data", directory: true, what: "a shard set directory (made by dispo shard)", extra: "manifest.json")
    }
}

/// Range checks that name the spec file and the JSON path.
struct SpecChecker {
    let file: String

    func check(_ ok: Bool, _ path: String, _ expected: String, _ found: Any) throws {
        if !ok { throw InputError(file: file, place: path, expected: expected, found: "\(found)") }
    }

    /// Runs a section's own `validate`, whose places are relative to the section (`$.buffer`), and names
    /// them from the spec's root (`$.scoring.overlong.buffer`).
    func nested(_ section: String, _ body: () throws -> Void) throws {
        do { try body() } catch var error as InputError {
            error.place = error.place.map { $0.hasPrefix("$") ? section + $0.dropFirst() : $0 }
            throw error
        }
    }

    func int(_ value: Int, _ path: String, _ range: ClosedRange<Int>, _ note: String? = nil) throws {
        try Limits.check(value, range, file: file, place: path, what: note)
    }

    func real(_ value: Double, _ path: String, _ range: ClosedRange<Double>, lowerOpen: Bool = false, _ note: String? = nil) throws {
        try Limits.check(value, range, lowerOpen: lowerOpen, file: file, place: path, what: note)
    }
}
