// `dispo sample`: generates from a model directory for one prompt or a JSONL file of prompts, n samples each,
// and writes one JSON line per sample: prompt, prompt_ids, prompt_index, sample, tokens, text (when a tokenizer
// is known), logprobs (under softmax(logits / τ) before top-k/top-p, τ = 1 when greedy), finish_reason.
// Settings: generation_config.json of the model where present (else temperature 1, no truncation, 64 new
// tokens), then the command-line overrides. Stop tokens: config.json eos ids + generation_config eos ids +
// the tokenizer's eos. Sample i of prompt p is seeded by SampleKey(runSeed: seed, step: 0, prompt: p, sample: i),
// so its tokens do not depend on n, on the other prompts, or on the batch they run in.

import DispoEngine
import DispoPipeline
import DispoSupport
import DispoTokenizers
import Foundation

public struct SampleJobOptions: Sendable {
    public var modelDirectory: String
    /// Tokenizer path; nil looks for tokenizer.json or vocab.json in the model directory.
    public var tokenizerPath: String?
    /// Exactly one of `prompt` and `inputPath`.
    public var prompt: String?
    public var inputPath: String?
    public var n = 1
    public var temperature: Float?
    public var topP: Float?
    public var topK: Int?
    public var greedy = false
    public var maxNewTokens: Int?
    public var seed: UInt64 = 0
    public var threads = 1
    /// Sequences decoded together at most.
    public var slots = 64
    /// Products of the prompt tokens (`Generator.usePrefillPrecision`).
    public var prefillPrecision = PrefillPrecision.f32

    public init(modelDirectory: String) { self.modelDirectory = modelDirectory }
}

public enum SampleJob {
    /// One prompt: its ids, and the text when it was given as text.
    struct Prompt { var ids: [Int32]; var text: String? }

    /// Reads every prompt first (a bad line fails before any output), then writes one JSON line per sample.
    public static func run(_ o: SampleJobOptions, write: (String) throws -> Void) throws {
        guard (o.prompt == nil) != (o.inputPath == nil) else {
            throw InputError(file: "dispo sample", expected: "exactly one of --prompt and --input")
        }
        try Limits.check(o.n, Limits.samples, file: "command line", place: "--n", what: "samples per prompt")
        try Limits.check(o.threads, Limits.threads, file: "command line", place: "--threads")
        let config = try ModelConfig.load(path: o.modelDirectory + "/config.json")
        Gemm.setThreads(o.threads)
        let tokenizer = try loadTokenizer(o)
        if let tokenizer, tokenizer.vocabularySize > config.vocabSize {
            throw InputError(file: o.tokenizerPath ?? o.modelDirectory,
                             expected: "a tokenizer of at most the model's \(config.vocabSize) tokens",
                             found: "\(tokenizer.vocabularySize) tokens")
        }
        let parameters = try samplingParameters(o, config: config, tokenizer: tokenizer)
        let prompts = try readPrompts(o, tokenizer: tokenizer, vocab: config.vocabSize)
        let total = try Limits.product(prompts.count, o.n, file: "command line", place: "--n", what: "samples (prompts × --n)")
        let slots = max(1, min(o.slots, total))
        let capacity = try GenerationBudget.check(config, longestPrompt: prompts.map(\.ids.count).max() ?? 0,
                                                  maxNewTokens: parameters.maxNewTokens, slots: slots, flag: "--n")
        let generator = try Generator.load(directory: o.modelDirectory, slots: slots, capacity: capacity, threads: o.threads)
        try generator.usePrefillPrecision(o.prefillPrecision)
        // Requests in (prompt, sample) order, generated one slot-group at a time so output streams.
        let requests = prompts.indices.flatMap { p in
            (0..<o.n).map { i in
                GenerationRequest(prompt: prompts[p].ids,
                                  key: SampleKey(runSeed: o.seed, step: 0, prompt: UInt64(p), sample: UInt64(i)))
            }
        }
        var first = 0
        while first < requests.count {
            let end = min(requests.count, first + generator.cache.slots)
            let results = try generator.generate(Array(requests[first..<end]), parameters: parameters)
            for (offset, result) in results.enumerated() {
                let index = first + offset
                try write(line(prompt: prompts[index / o.n], promptIndex: index / o.n, sample: index % o.n,
                           result: result, tokenizer: tokenizer))
            }
            first = end
        }
    }

    /// --tokenizer, else the model directory when it holds tokenizer files, else none.
    static func loadTokenizer(_ o: SampleJobOptions) throws -> (any Tokenizer)? {
        if let path = o.tokenizerPath { return try TokenizerLoader.load(path) }
        let files = ["tokenizer.json", "vocab.json"].map { o.modelDirectory + "/" + $0 }
        guard files.contains(where: { FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return try TokenizerLoader.load(o.modelDirectory)
    }

    static func samplingParameters(_ o: SampleJobOptions, config: ModelConfig, tokenizer: (any Tokenizer)?) throws -> SamplingParameters {
        let generation = try GenerationConfig.load(directory: o.modelDirectory)
        var p = generation?.sampling(maxNewTokens: 64) ?? SamplingParameters(temperature: 1, topP: 1, topK: 0, maxNewTokens: 64)
        if let t = o.temperature {
            try Limits.check(Double(t), Limits.temperature, file: "command line", place: "--temperature", what: "0 = greedy")
            p.temperature = t
        }
        if let topP = o.topP {
            try Limits.check(Double(topP), 0...1, lowerOpen: true, file: "command line", place: "--top-p")
            p.topP = topP
        }
        if let k = o.topK {
            try Limits.check(k, 0...Int(Int32.max), file: "command line", place: "--top-k", what: "0 = all tokens")
            p.topK = k
        }
        if o.greedy { p.temperature = 0 }
        if let m = o.maxNewTokens {
            try Limits.check(m, Limits.newTokens, file: "command line", place: "--max-new-tokens")
            p.maxNewTokens = m
        }
        p.stopTokens.formUnion(try StopTokens.of(config: config, modelDirectory: o.modelDirectory, tokenizer: tokenizer,
                                                 tokenizerPath: o.tokenizerPath ?? o.modelDirectory))
        return p
    }

    /// The prompts of --prompt or of each input line ({"prompt": text} or {"prompt_ids": [...]}).
    /// Text is encoded like transformers' `tokenizer(text)`, with the tokenizer's special tokens.
    static func readPrompts(_ o: SampleJobOptions, tokenizer: (any Tokenizer)?, vocab: Int) throws -> [Prompt] {
        func encode(_ text: String, file: String, place: String?) throws -> [Int32] {
            guard let tokenizer else {
                throw InputError(file: file, place: place, expected: "prompt_ids, or a tokenizer for prompt text",
                                 hint: "pass --tokenizer PATH or put tokenizer files in the model directory")
            }
            let ids = tokenizer.encode(text, addSpecialTokens: true)
            guard !ids.isEmpty else { throw InputError(file: file, place: place, expected: "a prompt of at least one token", found: "\"\"") }
            return ids
        }
        if let text = o.prompt { return [Prompt(ids: try encode(text, file: "--prompt", place: nil), text: text)] }
        guard let path = o.inputPath else { return [] }
        return try JSONLines.read(path).map { line in
            let object = try line.reader.object()
            let text = try object.optional("prompt")?.string()
            let idsReader = object.optional("prompt_ids")
            try object.finish()
            guard (text == nil) != (idsReader == nil) else {
                throw InputError(file: path, place: "line \(line.number)", expected: "exactly one of \"prompt\" (text) and \"prompt_ids\"",
                                 found: text == nil ? "neither" : "both")
            }
            if let idsReader { return Prompt(ids: try JSONLines.tokenIDs(idsReader, vocab: vocab), text: nil) }
            return Prompt(ids: try encode(text ?? "", file: path, place: "line \(line.number)"), text: text)
        }
    }

    /// One output line. `text` decodes the new tokens without special tokens; ids beyond the tokenizer's
    /// vocabulary (padding rows of a larger embedding) are left out of it.
    static func line(prompt: Prompt, promptIndex: Int, sample: Int, result: GenerationResult, tokenizer: (any Tokenizer)?) -> String {
        var promptText = prompt.text
        var text: String?
        if let tokenizer {
            let known = { (ids: [Int32]) in ids.filter { $0 < tokenizer.vocabularySize } }
            if promptText == nil { promptText = try? tokenizer.decode(known(prompt.ids), skipSpecialTokens: false) }
            text = try? tokenizer.decode(known(result.tokens), skipSpecialTokens: true)
        }
        var fields = ["\"prompt\":" + (promptText.map(JSONString.literal) ?? JSONLines.ints(prompt.ids)),
                      "\"prompt_ids\":" + JSONLines.ints(prompt.ids),
                      "\"prompt_index\":\(promptIndex)", "\"sample\":\(sample)",
                      "\"tokens\":" + JSONLines.ints(result.tokens)]
        if let text { fields.append("\"text\":" + JSONString.literal(text)) }
        fields.append("\"logprobs\":" + JSONLines.floats(result.logProbs))
        fields.append("\"finish_reason\":\"\(result.finishReason.rawValue)\"")
        return "{" + fields.joined(separator: ",") + "}"
    }
}
