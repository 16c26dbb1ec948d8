// `dispo eval`: held-out accuracy (mean@k, pass@k, maj@k, greedy) of a model directory on a shard set.
// Parses arguments and runs DispoPipeline.EvalJob.

import ArgumentParser
import DispoEngine
import DispoJobs
import DispoLearner
import DispoPipeline
import DispoPlots
import DispoSupport
import Foundation

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Accuracy of a model on a shard set: mean@k, pass@k, maj@k (and greedy), per-problem JSONL.",
        discussion: """
        The shard set comes from `dispo shard` (records with an `answer`; for records holding a worked \
        response, the prompt is the first `prompt_tokens` tokens). Sample i of problem p is seeded by \
        (--seed, p, i), so the same command gives the same numbers. Stop tokens: the model's eos_token_id, \
        generation_config.json's, and the tokenizer's EOS. With --out, one JSON line per problem: id, index, \
        answer, prompt, correct (count), samples [{text, extracted, correct, reason, reward, tokens, finish}] \
        and greedy. Memory: the KV cache holds --slots × (longest prompt + --max-new-tokens) positions. \
        Sampling defaults: temperature 1, top-p 1, top-k 0 (all tokens), 512 new tokens, seed 0.
        """)

    @OptionGroup var modelOption: ModelOption
    @Option(help: "Shard set directory (from `dispo shard`).") var data: String
    @OptionGroup var tokenizerOption: TokenizerOption
    @Option(name: .customLong("n"), parsing: .unconditional, help: "Samples per problem (k), in [1, 65536].") var samples: Int = 4
    @OptionGroup var sampling: SamplingOptions
    @Option(parsing: .unconditional, help: "Evaluate the first N problems (0 = all), N in [0, 1000000000].") var limit: Int = 0
    @Flag(help: "Also report the accuracy of one greedy response per problem.") var greedy = false
    @Option(help: "Per-problem responses and verdicts (JSONL).") var out: String?
    @OptionGroup var metricsOption: MetricsOption
    @Option(parsing: .unconditional, help: "Sequences decoded at once, in [1, 1048576].") var slots: Int = 32
    @OptionGroup var threadOption: ThreadOption

    func validate() throws {
        try Flags.check(samples, "--n", Limits.samples)
        try Flags.check(limit, "--limit", Limits.count)
        try Flags.check(slots, "--slots", Limits.sequences)
    }

    func run() async throws {
        Gemm.setThreads(threadOption.threads)
        var job = EvalJob(model: modelOption.model, data: data)
        job.tokenizer = tokenizerOption.tokenizer
        job.samples = samples
        job.temperature = sampling.temperature ?? job.temperature
        job.topP = sampling.topP ?? job.topP
        job.topK = sampling.topK ?? job.topK
        job.maxNewTokens = sampling.maxNewTokens ?? job.maxNewTokens
        job.limit = limit
        job.greedy = greedy
        job.seed = sampling.seed
        job.slots = slots
        job.output = out
        let started = Date()
        var bar: ProgressBar?
        let result = try job.run { done, total in
            if bar == nil { bar = ProgressBar(label: "eval", total: total, unit: " problems") }
            bar?.update(done)
        }
        bar?.finish(result.problems)
        try StandardOutput.line(EvalJob.summary(result, seconds: Date().timeIntervalSince(started)))
        if let metrics = metricsOption.metrics {
            try AtomicFile.write(JSONWriter.metricsLine(result.metrics) + "\n", to: metrics)
        }
        if let out { try StandardOutput.line("wrote \(result.problems) lines to \(out)") }
    }
}
