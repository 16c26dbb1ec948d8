// The vLLM-compatible `/v1/completions` subset on the client side: the request for one prompt's group of
// samples, and reading the answer. Every sampling knob is set explicitly (servers' defaults differ, and vLLM
// also applies the model's generation_config.json unless told otherwise). Token ids come from
// `choices[i].token_ids` (vLLM ≥ 0.10.2 with return_token_ids), or from `logprobs.tokens` written as
// "token_id:N" (older vLLM with --return-tokens-as-token-ids); returned text is never re-tokenized, and a
// choice without ids is an error. Sample keys go in the extension field `dispo_sample_keys`, which dispo
// serve honours and vLLM ignores (it gets `seed`).

import DispoEngine
import DispoSupport

/// One sample as a server returned it.
public struct WireSample: Sendable, Equatable {
    public var tokens: [Int32]
    public var logProbs: [Float]
    public var finishReason: GenerationResult.FinishReason
}

/// What one server answer holds: the samples in order and the weight version it reports, if any.
public struct WireAnswer: Sendable, Equatable {
    public var samples: [WireSample]
    public var weightVersion: Int?
}

public enum CompletionsWire {
    public static let route = "/v1/completions"

    /// A 63-bit request seed for servers that take one seed per request (vLLM seeds choice i with seed + i).
    public static func requestSeed(_ p: RolloutPrompt) -> Int64 {
        Int64(p.key(0).seed >> 1)
    }

    /// The body of the request for `prompt`'s samples. `ignoreEOS` makes the server stop only at
    /// stop_token_ids (benchmarks use it for fixed-length samples).
    public static func request(_ prompt: RolloutPrompt, parameters p: SamplingParameters, model: String?, ignoreEOS: Bool = false) -> String {
        var members: [(String, JSONOut)] = []
        if let model { members.append(("model", .string(model))) }
        members += [
            ("prompt", .ints(prompt.ids)), ("n", .int(prompt.samples)), ("max_tokens", .int(p.maxNewTokens)),
            ("temperature", .float(p.temperature)), ("top_p", .float(p.topP)), ("top_k", .int(p.topK > 0 ? p.topK : -1)),
            ("min_p", .int(0)), ("repetition_penalty", .int(1)), ("frequency_penalty", .int(0)), ("presence_penalty", .int(0)),
            ("min_tokens", .int(0)), ("seed", .int(Int(requestSeed(prompt)))), ("logprobs", .int(0)),
            ("return_token_ids", .bool(true)), ("skip_special_tokens", .bool(false)), ("ignore_eos", .bool(ignoreEOS)),
            ("stop_token_ids", .ints(p.stopTokens.sorted())), ("stream", .bool(false)),
            ("dispo_sample_keys", .array([sampleKeys(prompt)])),
        ]
        return JSONOut.object(members).text
    }

    /// The extension object naming the keys of one prompt's samples.
    public static func sampleKeys(_ p: RolloutPrompt) -> JSONOut {
        .object([("run_seed", .uint(p.runSeed)), ("step", .uint(p.step)), ("prompt", .uint(p.prompt)),
                 ("first_sample", .uint(p.firstSample))])
    }

    /// Reads an answer with exactly `expected` choices (indices 0 ..< expected, in any order).
    public static func parse(_ body: [UInt8], source: String, expected: Int) throws -> WireAnswer {
        let root = try JSONNumbers.parse(body, source: source).object()
        let choices = try root.required("choices", "the list of completions").array()
        guard choices.count == expected else {
            throw root.reader.error("\(expected) choices (n = \(expected))", found: "\(choices.count)")
        }
        var samples = [WireSample?](repeating: nil, count: expected)
        for choice in choices {
            let object = try choice.object()
            let index = try object.required("index").int(0...(expected - 1))
            guard samples[index] == nil else { throw choice.error("each choice index once", found: "index \(index) again") }
            samples[index] = try sample(object, choice: choice)
        }
        let version = try root.optional("dispo_weight_version").map { try $0.int(0...Int(Int32.max)) }
        return WireAnswer(samples: samples.compactMap { $0 }, weightVersion: version)
    }

    static func sample(_ object: JSONObjectReader, choice: JSONReader) throws -> WireSample {
        let finish = try finishReason(object.required("finish_reason", "\"stop\" or \"length\""))
        let logprobs = try object.required("logprobs", "an object with token_logprobs (send logprobs: 0)").object()
        let values = try logprobs.required("token_logprobs").array().map { try JSONNumbers.float($0, "a finite log-prob") }
        var tokens: [Int32]
        if let ids = object.optional("token_ids") {
            tokens = try ids.array().map { Int32(try $0.int(0...Int(Int32.max), "a token id")) }
        } else if let strings = logprobs.optional("tokens") {
            tokens = try strings.array().map { try tokenIDString($0) }
        } else {
            throw choice.error("token_ids (vLLM ≥ 0.10.2 with return_token_ids) or \"token_id:N\" tokens",
                               found: "a choice without token ids",
                               hint: "upgrade vLLM, or start it with --return-tokens-as-token-ids; text is never re-tokenized")
        }
        guard !tokens.isEmpty, tokens.count == values.count else {
            throw choice.error("as many log-probs as tokens (at least one)", found: "\(tokens.count) tokens, \(values.count) log-probs")
        }
        return WireSample(tokens: tokens, logProbs: values, finishReason: finish)
    }

    /// "token_id:N" → N (the form of vLLM's --return-tokens-as-token-ids).
    static func tokenIDString(_ reader: JSONReader) throws -> Int32 {
        let text = try reader.string()
        guard text.hasPrefix("token_id:"), let id = Int32(text.dropFirst("token_id:".count)), id >= 0 else {
            throw reader.error("a token written \"token_id:N\"", hint: "start vLLM with --return-tokens-as-token-ids, or use vLLM ≥ 0.10.2")
        }
        return id
    }

    static func finishReason(_ reader: JSONReader) throws -> GenerationResult.FinishReason {
        guard case .string(let s) = reader.node.value, let reason = GenerationResult.FinishReason(rawValue: s) else {
            throw reader.error("\"stop\" or \"length\"", hint: "the server aborted or filtered the request")
        }
        return reason
    }
}
