// The dispo side of a whole-process sampling measurement (`dispo bench engine-sample`, spawned by
// `dispo bench engine --shape`): what `dispo sample` does with a model directory — load (`Generator.load`:
// packed decode weights straight from the directory at real sizes), then generate with the KV-cache engine for
// every prompt at once — reporting where the time went as one JSON line: load_s, ttft_s
// (prefill up to the first logits), prefill and decode tokens/s, generate_s, other_s (inside generate but in
// neither phase: packing the weights (and converting them to bf16 for `--prefill-precision bf16`), choosing tokens).
// Dimension legend: B prompts (= slots), P prompt tokens, N new tokens.

import DispoEngine
import DispoSupport
import Foundation

public struct SampleChildOptions: Sendable {
    public var model: String
    public var prompts: String
    public var newTokens = 128
    public var threads = 1
    /// Decode weights: nil = what `dispo sample` does (`Generator.load(directory:)`); set, the fp32 model packed
    /// at that precision (`Generator(model:kernel:)`).
    public var precision: DecodeWeights.Precision?
    /// Load packed decode weights straight from the directory (no fp32 parameter arena).
    public var lean = false
    public var greedy = false
    /// Products of the prompt tokens (`Generator.usePrefillPrecision`).
    public var prefillPrecision = PrefillPrecision.f32
    public init(model: String, prompts: String) { self.model = model; self.prompts = prompts }
}

public enum SampleChild {
    /// Runs the measurement; returns the JSON line.
    public static func run(_ o: SampleChildOptions) throws -> String {
        let start = wallSeconds()
        Gemm.setThreads(o.threads)
        let prompts = try readPrompts(o.prompts)
        let capacity = (prompts.map(\.count).max() ?? 0) + o.newTokens
        let generator: Generator
        if o.lean {
            let weights = try DecodeWeights.load(directory: o.model, precision: o.precision ?? .f32)
            generator = Generator(weights: weights, slots: prompts.count, capacity: capacity, threads: o.threads)
        } else if o.precision == nil {
            generator = try Generator.load(directory: o.model, slots: prompts.count, capacity: capacity, threads: o.threads)
        } else {
            let model = try Transformer.load(directory: o.model)
            model.threads = o.threads
            generator = Generator(model: model, slots: prompts.count, capacity: capacity, kernel: o.precision.map { .packed($0) })
        }
        try generator.usePrefillPrecision(o.prefillPrecision)
        let loaded = wallSeconds()
        let requests = prompts.enumerated().map { GenerationRequest(prompt: $1, key: SampleKey(runSeed: 1, prompt: UInt64($0))) }
        let parameters = SamplingParameters(temperature: o.greedy ? 0 : 1, maxNewTokens: o.newTokens)
        let results = try generator.generate(requests, parameters: parameters)
        let done = wallSeconds()
        guard results.allSatisfy({ $0.tokens.count == o.newTokens }) else {
            throw EngineError.invalidBatch("a sequence stopped before \(o.newTokens) tokens")
        }
        let t = generator.lastTimings
        // Inside generate but in neither phase: packing a model's weights (first call) and choosing tokens.
        let other = (done - loaded) - t.prefill - t.decode
        let fields: [(String, Double)] = [
            ("load_s", loaded - start), ("other_s", other), ("ttft_s", t.prefill),
            ("prefill_tokens_per_s", Double(t.promptTokens) / t.prefill),
            ("decode_tokens_per_s", Double(t.decodeRows) / t.decode), ("decode_steps", Double(o.newTokens - 1)),
            ("decode_s", t.decode), ("generate_s", done - loaded), ("threads", Double(o.threads)),
        ]
        return "{" + fields.map { "\"\($0.0)\": \(String(format: "%.6g", $0.1))" }.joined(separator: ", ") + "}"
    }

    /// Prompts of a JSONL file of {"prompt_ids": [...]}.
    static func readPrompts(_ path: String) throws -> [[Int32]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var prompts: [[Int32]] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let object = try JSONReader(node: JSONParser.parse(String(line), file: path, firstLine: i + 1), file: path).object()
            let ids = try object.required("prompt_ids", "token ids").array().map { Int32(try $0.int(0...Int(Int32.max))) }
            prompts.append(ids)
        }
        guard !prompts.isEmpty else { throw InputError(file: path, expected: "at least one prompt") }
        return prompts
    }
}
