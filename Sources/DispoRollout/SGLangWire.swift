// SGLang's native `/generate` on the client side. One request carries a prompt's group as a batch of
// `samples` copies of its ids, each with its own sampling parameters and `sampling_seed`; the answer is a
// list of objects whose `meta_info.output_token_logprobs` holds [logprob, token id, text] triples (the ids
// come from there; `output_ids`, when present, must agree) and `meta_info.finish_reason.type` is "stop" or
// "length". SGLang's log-probs are at the sampling temperature unless the server runs with
// SGLANG_RETURN_ORIGINAL_LOGPROB=1.

import DispoEngine
import DispoSupport

public enum SGLangWire {
    public static let route = "/generate"

    /// The body of the request for `prompt`'s samples.
    public static func request(_ prompt: RolloutPrompt, parameters p: SamplingParameters) -> String {
        let params: [JSONOut] = (0..<prompt.samples).map { j in
            .object([
                ("max_new_tokens", .int(p.maxNewTokens)), ("temperature", .float(p.temperature)), ("top_p", .float(p.topP)),
                ("top_k", .int(p.topK > 0 ? p.topK : -1)), ("min_p", .int(0)), ("repetition_penalty", .int(1)),
                ("frequency_penalty", .int(0)), ("presence_penalty", .int(0)), ("min_new_tokens", .int(0)),
                ("stop_token_ids", .ints(p.stopTokens.sorted())), ("ignore_eos", .bool(false)),
                ("skip_special_tokens", .bool(false)), ("no_stop_trim", .bool(true)),
                ("sampling_seed", .int(Int(prompt.key(j).seed >> 1))),
            ])
        }
        return JSONOut.object([
            ("input_ids", .array((0..<prompt.samples).map { _ in .ints(prompt.ids) })),
            ("sampling_params", .array(params)), ("return_logprob", .bool(true)), ("stream", .bool(false)),
        ]).text
    }

    /// Reads an answer: a list of exactly `expected` objects, in request order.
    public static func parse(_ body: [UInt8], source: String, expected: Int) throws -> WireAnswer {
        let root = try JSONNumbers.parse(body, source: source)
        let items: [JSONReader]
        if case .object = root.node.value { items = [root] } else { items = try root.array() }
        guard items.count == expected else { throw root.error("\(expected) results", found: "\(items.count)") }
        var versions: Set<Int> = []
        let samples = try items.map { item -> WireSample in
            let object = try item.object()
            let meta = try object.required("meta_info").object()
            let triples = try meta.required("output_token_logprobs", "[logprob, id, text] triples (send return_logprob: true)").array()
            var tokens: [Int32] = [], values: [Float] = []
            for triple in triples {
                let parts = try triple.array()
                guard parts.count >= 2 else { throw triple.error("[logprob, token id, text]") }
                values.append(try JSONNumbers.float(parts[0], "a finite log-prob"))
                tokens.append(Int32(try parts[1].int(0...Int(Int32.max), "a token id")))
            }
            guard !tokens.isEmpty else { throw item.error("at least one generated token", found: "none") }
            if let ids = object.optional("output_ids") {
                let given = try ids.array().map { Int32(try $0.int(0...Int(Int32.max), "a token id")) }
                guard given == tokens else { throw ids.error("the ids of output_token_logprobs", found: "other ids") }
            }
            let finish = try meta.required("finish_reason").object()
            let type = try finish.required("type")
            guard case .string(let s) = type.node.value, let reason = GenerationResult.FinishReason(rawValue: s) else {
                throw type.error("\"stop\" or \"length\"", hint: "the server aborted the request")
            }
            if let v = meta.optional("weight_version"), case .string(let text) = v.node.value, let n = Int(text) { versions.insert(n) }
            return WireSample(tokens: tokens, logProbs: values, finishReason: reason)
        }
        return WireAnswer(samples: samples, weightVersion: versions.count == 1 ? versions.first : nil)
    }
}
