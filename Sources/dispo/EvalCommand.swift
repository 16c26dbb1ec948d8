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
        and greedy. Memory: the KV cache holds --slots × (longest prompt + --max-new-tokens) positions.
        """)

    @Option(help: "Model directory (config.json + safetensors).") var model: String
    @Option(help: "Shard set directory (from `dispo shard`).") var data: String
    @Option(help: "Tokenizer path (default: the model directory).") var tokenizer: String?
    @Option(name: .customLong("n"), help: "Samples per problem (k).") var samples: Int = 4
    @Option(help: "Sampling temperature.") var temperature: Float = 1
    @Option(help: "Nucleus sampling: keep the smallest set of tokens with this much probability.") var topP: Float = 1
    @Option(help: "Keep only the K most likely tokens (0 = off).") var topK: Int = 0
    @Option(help: "Longest response, in tokens.") var maxNewTokens: Int = 512
    @Option(help: "Evaluate the first N problems (0 = all).") var limit: Int = 0
    @Flag(help: "Also report the accuracy of one greedy response per problem.") var greedy = false
    @Option(help: "Seed of the sampled responses.") var seed: UInt64 = 0
    @Option(help: "Per-problem responses and verdicts (JSONL).") var out: String?
    @Option(help: "Write the summary metrics (JSON) here.") var metrics: String?
    @Option(help: "Sequences decoded at once.") var slots: Int = 32
    @Option(help: "BLAS threads (default: OpenBLAS's).") var threads: Int?

    func run() async throws {
        if let threads { Gemm.setThreads(threads) }
        var job = EvalJob(model: model, data: data)
        job.tokenizer = tokenizer
        job.samples = samples
        job.temperature = temperature
        job.topP = topP
        job.topK = topK
        job.maxNewTokens = maxNewTokens
        job.limit = limit
        job.greedy = greedy
        job.seed = seed
        job.slots = slots
        job.output = out
        let started = Date()
        var bar: ProgressBar?
        let result = try job.run { done, total in
            if bar == nil { bar = ProgressBar(label: "eval", total: total, unit: " problems") }
            bar?.update(done)
        }
        bar?.finish(result.problems)
        print(EvalJob.summary(result, seconds: Date().timeIntervalSince(started)))
        if let metrics {
            try AtomicFile.write(JSONWriter.metricsLine(result.metrics) + "\n", to: metrics)
        }
        if let out { print("wrote \(result.problems) lines to \(out)") }
    }
}
