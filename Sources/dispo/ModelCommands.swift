// `dispo model init`, `dispo sample` and `dispo score`: a random-initialised model directory, sampling from a
// model as JSONL, and per-token log-probs/entropies of given sequences. Parses flags and calls DispoEngine
// (Transformer) and DispoPipeline (SampleJob, ScoreJob).

import ArgumentParser
import DispoEngine
import DispoJobs
import DispoLearner
import DispoPipeline
import DispoPlots
import DispoSupport
import Foundation

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Model directories (config.json + model.safetensors).",
        subcommands: [ModelInitCommand.self])
}

struct ModelInitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Random HF-style initialisation of a model: writes config.json and model.safetensors into --out.",
        discussion: "Linear and embedding weights ~ N(0, initializer_range), biases 0, norm weights 1; the same seed "
            + "gives the same weights. The directory loads in transformers unchanged.")

    @Option(help: "A Hugging Face config.json (model_type llama, qwen2 or qwen3).") var config: String
    @Option(help: "Output directory.") var out: String
    @Option(parsing: .unconditional, help: "Seed of the initialisation.") var seed: UInt64 = 0
    @Option(help: "Weight type written: f32 or bf16.") var dtype = "f32"
    @Flag(help: "Replace a model already in --out.") var overwrite = false

    func run() async throws {
        guard let type = TensorDType(rawValue: dtype.uppercased()), type != .f16 else {
            throw ValidationError("--dtype must be f32 or bf16, got \(dtype)")
        }
        let existing = ["model.safetensors", "model.safetensors.index.json"].map { out + "/" + $0 }
        if !overwrite, let found = existing.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            throw InputError(file: found, expected: "no model in --out", found: "an existing model", hint: "pass --overwrite to replace it")
        }
        let modelConfig = try ModelConfig.load(path: config)
        let model = Transformer(config: modelConfig)
        model.initializeRandom(seed: seed)
        try model.save(directory: out, dtype: type)
        try StandardOutput.line("wrote \(out)/config.json and \(out)/model.safetensors (\(modelConfig.modelType), \(model.parameterCount) parameters, "
              + "\(dtype.lowercased()), seed \(seed))")
    }
}

struct SampleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample from a model; one JSON line per sample on standard output.",
        discussion: """
            Output fields: prompt, prompt_ids, prompt_index, sample, tokens (new tokens, stop token included), text \
            (when a tokenizer is known), logprobs (under softmax(logits/T) before top-k/top-p; T = 1 when greedy), \
            finish_reason (stop or length). Input lines carry "prompt" (text) or "prompt_ids". Defaults come from \
            the model's generation_config.json where present, else temperature 1, top-p 1, all tokens, 64 new tokens. \
            Sample i of prompt p uses SampleKey(seed, step 0, p, i): reproducible whatever --n or the batch. \
            Without a tokenizer (--tokenizer, or tokenizer files in the model directory) prompts must be prompt_ids.
            """)

    @OptionGroup var modelOption: ModelOption
    @OptionGroup var tokenizerOption: TokenizerOption
    @Option(help: "One prompt text.") var prompt: String?
    @Option(help: "JSONL file of prompts.") var input: String?
    @Option(parsing: .unconditional, help: "Samples per prompt, in [1, 65536].") var n = 1
    @OptionGroup var sampling: SamplingOptions
    @Flag(help: "Always take the most likely token.") var greedy = false
    @OptionGroup var threadOption: ThreadOption
    @Option(help: """
        Products of the prompt tokens: f32 (default, exact) or bf16 (oneDNN on a CPU with AVX512-BF16 or AMX: \
        about twice the prefill speed; logits after a prompt about 1% (relative Frobenius) from f32, so samples may \
        differ; decode steps stay f32).
        """) var prefillPrecision = "f32"

    func validate() throws {
        try Flags.check(n, "--n", Limits.samples)
        _ = try parsePrefillPrecision(prefillPrecision)
    }

    func run() async throws {
        var options = SampleJobOptions(modelDirectory: modelOption.model)
        options.tokenizerPath = tokenizerOption.tokenizer
        options.prompt = prompt
        options.inputPath = input
        options.n = n
        options.temperature = sampling.temperature
        options.topP = sampling.topP
        options.topK = sampling.topK
        options.greedy = greedy
        options.maxNewTokens = sampling.maxNewTokens
        options.seed = sampling.seed
        options.threads = threadOption.threads
        options.prefillPrecision = try parsePrefillPrecision(prefillPrecision)
        try SampleJob.run(options) { try StandardOutput.line($0) }
    }
}

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Per-token log-probs and entropies of given sequences; one JSON line per input line.",
        discussion: """
            Input lines: {"ids": [...], "start": k}; the output line holds "logprobs" and "entropies" of \
            ids[k...] given everything before them (k defaults to 1), under softmax(logits/T).
            """)

    @OptionGroup var modelOption: ModelOption
    @Option(help: "JSONL file of sequences.") var input: String
    @Option(parsing: .unconditional, help: "Temperature of the scored distribution, in (0, 100].") var temperature: Float = 1
    @OptionGroup var threadOption: ThreadOption

    func validate() throws { try Flags.check(temperature, "--temperature", Limits.temperature, lowerOpen: true) }

    func run() async throws {
        var options = ScoreJobOptions(modelDirectory: modelOption.model, inputPath: input)
        options.temperature = temperature
        options.threads = threadOption.threads
        try ScoreJob.run(options) { try StandardOutput.line($0) }
    }
}
