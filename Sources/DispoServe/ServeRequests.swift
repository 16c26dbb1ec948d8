// Reading `dispo serve`'s generation requests: vLLM's `/v1/completions` subset and SGLang's `/generate`,
// into engine work: per prompt, its samples' GenerationRequests and the sampling parameters.
// Sample keys (docs/SERVING.md): with `dispo_sample_keys[k] = {run_seed, step, prompt, first_sample}`,
// sample i of prompt k is SampleKey(run_seed, step, prompt, first_sample + i), the pipeline's local keys;
// without, SampleKey(runSeed: seed, step: 0, prompt: k, sample: i), which is `dispo sample --seed S` over
// the same prompts in order (no seed: a random one). Unsupported settings are refused by name, never
// silently ignored; settings at their neutral values (penalties 0/1, stream false, …) are accepted.

import DispoEngine
import DispoRollout
import DispoSupport

/// The engine work of one prompt.
struct PromptWork: Sendable {
    var prompt: [Int32]
    var requests: [GenerationRequest]
    var parameters: SamplingParameters
}

struct ModelLimits: Sendable {
    var vocab: Int
    var maxModelLength: Int
    var eos: Set<Int32>
    var servedName: String
}

enum ServeRequests {
    /// `/v1/completions`: the prompts' work, n per prompt.
    static func completions(_ body: [UInt8], limits: ModelLimits) throws -> (work: [PromptWork], n: Int, logprobs: Bool, skipSpecial: Bool) {
        let root = try JSONNumbers.parse(body, source: "/v1/completions").object()
        if let model = root.optional("model") {
            let name = try model.string()
            guard name == limits.servedName else { throw ServeError(404, "The model `\(name)` does not exist (serving `\(limits.servedName)`).") }
        }
        let prompts = try promptList(root.required("prompt", "token ids: [ids] or [[ids], ...]"), limits: limits)
        let n = try root.optional("n")?.int(1...4096) ?? 1
        var p = SamplingParameters(temperature: 1, topP: 1, topK: 0, maxNewTokens: 16)
        p.maxNewTokens = try root.optional("max_tokens")?.int(1...limits.maxModelLength) ?? 16
        try readSampling(root, into: &p, topKKey: "top_k")
        let logprobs = try root.optional("logprobs").map { try $0.int(0...0, "0 (the chosen token's log-prob; top alternatives are not served)") } != nil
        _ = try root.optional("return_token_ids")?.bool()
        let skipSpecial = try root.optional("skip_special_tokens")?.bool() ?? true
        try neutral(root, ["echo": .bool(false), "stream": .bool(false), "min_tokens": .number(0, "0")], ignored: ["user",
            "include_stop_str_in_output", "spaces_between_special_tokens", "add_special_tokens", "stop"])
        try stopStrings(root.optional("stop"))
        let stops = try stopTokens(root, limits: limits)
        p.stopTokens = stops
        let seed = try root.optional("seed").map(seedValue) ?? UInt64.random(in: 0...UInt64.max)
        let keys = try sampleKeys(root.optional("dispo_sample_keys"), count: prompts.count)
        try root.finish()
        let work = try prompts.enumerated().map { k, ids in
            try checkLength(ids.count, p.maxNewTokens, limits)
            let requests = (0..<n).map { i in GenerationRequest(prompt: ids, key: key(keys?[k], seed: seed, prompt: k, sample: i)) }
            return PromptWork(prompt: ids, requests: requests, parameters: p)
        }
        return (work, n, logprobs, skipSpecial)
    }

    /// SGLang `/generate`: input_ids (one list or a batch), sampling_params (one object or one per input).
    static func generate(_ body: [UInt8], limits: ModelLimits) throws -> (work: [PromptWork], batched: Bool, logprobs: Bool) {
        let root = try JSONNumbers.parse(body, source: "/generate").object()
        let input = try root.required("input_ids", "token ids: [ids] or [[ids], ...]")
        let batched: Bool
        if case .array(let e) = input.node.value, case .array = e.first?.value { batched = true } else { batched = false }
        let prompts = try promptList(input, limits: limits)
        let paramsReader = root.optional("sampling_params")
        var paramList: [JSONReader?] = Array(repeating: paramsReader, count: prompts.count)
        if let paramsReader, case .array = paramsReader.node.value {
            let list = try paramsReader.array()
            guard list.count == prompts.count else { throw paramsReader.error("one sampling_params object per input", found: "\(list.count)") }
            paramList = list
        }
        let logprobs = try root.optional("return_logprob")?.bool() ?? false
        try neutral(root, ["stream": .bool(false)], ignored: ["rid", "logprob_start_len", "top_logprobs_num", "return_text_in_logprobs"])
        let keys = try sampleKeys(root.optional("dispo_sample_keys"), count: prompts.count)
        try root.finish()
        let work = try prompts.enumerated().map { k, ids -> PromptWork in
            let (p, n, seed) = try sglangParameters(paramList[k], limits: limits)
            try checkLength(ids.count, p.maxNewTokens, limits)
            let requests = (0..<n).map { i in GenerationRequest(prompt: ids, key: key(keys?[k], seed: seed, prompt: k, sample: i)) }
            return PromptWork(prompt: ids, requests: requests, parameters: p)
        }
        return (work, batched, logprobs)
    }

    static func sglangParameters(_ reader: JSONReader?, limits: ModelLimits) throws -> (SamplingParameters, Int, UInt64) {
        var p = SamplingParameters(temperature: 1, topP: 1, topK: 0, maxNewTokens: 128)
        guard let reader else {
            p.stopTokens = limits.eos
            return (p, 1, UInt64.random(in: 0...UInt64.max))
        }
        let o = try reader.object()
        p.maxNewTokens = try o.optional("max_new_tokens")?.int(1...limits.maxModelLength) ?? 128
        try readSampling(o, into: &p, topKKey: "top_k")
        let n = try o.optional("n")?.int(1...4096) ?? 1
        _ = try o.optional("skip_special_tokens")?.bool()
        _ = try o.optional("no_stop_trim")?.bool()
        try neutral(o, ["min_new_tokens": .number(0, "0")], ignored: ["spaces_between_special_tokens", "stop"])
        try stopStrings(o.optional("stop"))
        p.stopTokens = try stopTokens(o, limits: limits)
        let seed = try o.optional("sampling_seed").map(seedValue) ?? UInt64.random(in: 0...UInt64.max)
        try o.finish()
        return (p, n, seed)
    }

    /// temperature (0 = greedy), top_p, top_k (-1 or 0 = off), and the penalties, which must be neutral.
    static func readSampling(_ o: JSONObjectReader, into p: inout SamplingParameters, topKKey: String) throws {
        if let t = o.optional("temperature") { p.temperature = Float(try t.double(0...100, "a temperature in [0, 100] (0 = greedy)")) }
        if let t = o.optional("top_p") { p.topP = Float(try t.double(0...1, "top_p in (0, 1]")) }
        guard p.topP > 0 else { throw o.reader.error("top_p in (0, 1]", found: "0") }
        if let k = o.optional(topKKey) { p.topK = max(0, try k.int(-1...Int(Int32.max), "top_k ≥ 1, or -1 / 0 for all tokens")) }
        try neutral(o, ["min_p": .number(0, "0"), "repetition_penalty": .number(1, "1"), "frequency_penalty": .number(0, "0"),
                        "presence_penalty": .number(0, "0")], ignored: [])
    }

    /// Keys that dispo serve accepts only at their neutral value; `ignored` keys are read and dropped.
    static func neutral(_ o: JSONObjectReader, _ values: [String: JSONValue], ignored: [String]) throws {
        for (key, value) in values {
            guard let reader = o.optional(key) else { continue }
            guard reader.node.value == value else {
                throw reader.error("\(value.kindDescription) (dispo serve does not support other values of \(key))")
            }
        }
        for key in ignored where key != "stop" { _ = o.optional(key) }
    }

    static func stopStrings(_ reader: JSONReader?) throws {
        guard let reader else { return }
        if case .array(let e) = reader.node.value, e.isEmpty { return }
        throw reader.error("no stop strings (use stop_token_ids)")
    }

    static func stopTokens(_ o: JSONObjectReader, limits: ModelLimits) throws -> Set<Int32> {
        var stops = Set(try o.optional("stop_token_ids")?.array().map { Int32(try $0.int(0...(limits.vocab - 1), "a token id")) } ?? [])
        if !(try o.optional("ignore_eos")?.bool() ?? false) { stops.formUnion(limits.eos) }
        return stops
    }

    static func promptList(_ reader: JSONReader, limits: ModelLimits) throws -> [[Int32]] {
        guard case .array(let elements) = reader.node.value, !elements.isEmpty else {
            throw reader.error("token ids: a non-empty [ids] or [[ids], ...] (text prompts are not served)")
        }
        let lists = elements.first.map { if case .array = $0.value { return true } else { return false } } ?? false
        let prompts = lists ? try reader.array() : [reader]
        return try prompts.map { p in
            let ids = try p.array()
            guard !ids.isEmpty else { throw p.error("a prompt of at least one token", found: "[]") }
            return try ids.map { Int32(try $0.int(0...(limits.vocab - 1), "a token id in [0, \(limits.vocab))")) }
        }
    }

    static func checkLength(_ prompt: Int, _ newTokens: Int, _ limits: ModelLimits) throws {
        guard prompt + newTokens <= limits.maxModelLength else {
            throw ServeError(400, "prompt of \(prompt) tokens + \(newTokens) new tokens exceeds the model's length \(limits.maxModelLength)")
        }
    }

    /// A seed as vLLM and SGLang take it (a signed 64-bit integer), or any unsigned 64-bit one.
    static func seedValue(_ reader: JSONReader) throws -> UInt64 {
        guard case .number(_, let text) = reader.node.value else { throw reader.error("an integer seed") }
        if let u = UInt64(text) { return u }
        if let i = Int64(text) { return UInt64(bitPattern: i) }
        throw reader.error("an integer seed in [-2^63, 2^64)")
    }

    static func sampleKeys(_ reader: JSONReader?, count: Int) throws -> [RolloutPrompt]? {
        guard let reader else { return nil }
        let list = try reader.array()
        guard list.count == count else { throw reader.error("one key object per prompt (\(count))", found: "\(list.count)") }
        return try list.map { item in
            let o = try item.object()
            let p = RolloutPrompt(ids: [], runSeed: try JSONNumbers.uint64(o.required("run_seed")), step: try JSONNumbers.uint64(o.required("step")),
                                  prompt: try JSONNumbers.uint64(o.required("prompt")),
                                  firstSample: try o.optional("first_sample").map { try JSONNumbers.uint64($0) } ?? 0, samples: 0)
            try o.finish()
            return p
        }
    }

    static func key(_ given: RolloutPrompt?, seed: UInt64, prompt k: Int, sample i: Int) -> SampleKey {
        given?.key(i) ?? SampleKey(runSeed: seed, step: 0, prompt: UInt64(k), sample: UInt64(i))
    }
}
