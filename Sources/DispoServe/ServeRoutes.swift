// `dispo serve`'s routes: GET /health, GET /v1/models, POST /v1/completions (vLLM subset), POST /generate
// (SGLang), and the weight reloads POST /update_weights {"weight_dir"}, POST /collective_rpc
// {"method": "reload_weights", "kwargs": {"weights_path"}} and POST /update_weights_from_disk {"model_path"},
// each with an optional "weight_version" (else the version counts up from 0). Answers carry the weight
// version that produced them (`dispo_weight_version`, SGLang's `meta_info.weight_version`).

import DispoEngine
import DispoRollout
import DispoSupport
import DispoTokenizers
import Foundation

public final class ServeRoutes: Sendable {
    let worker: EngineWorker
    let limits: ModelLimits
    let modelDirectory: String
    let tokenizer: (any Tokenizer)?
    let started = Int(Date().timeIntervalSince1970)

    init(worker: EngineWorker, limits: ModelLimits, modelDirectory: String, tokenizer: (any Tokenizer)?) {
        self.worker = worker; self.limits = limits; self.modelDirectory = modelDirectory; self.tokenizer = tokenizer
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            switch (request.method, request.path) {
            case ("GET", "/health"):
                return HTTPResponse(status: worker.status.healthy ? 200 : 503, body: "")
            case ("GET", "/v1/models"): return models()
            case ("POST", "/v1/completions"): return try await completions(request.body)
            case ("POST", "/generate"): return try await generate(request.body)
            case ("POST", "/update_weights"), ("POST", "/collective_rpc"), ("POST", "/update_weights_from_disk"):
                return try await reload(request.path, request.body)
            case (_, "/health"), (_, "/v1/models"), (_, "/v1/completions"), (_, "/generate"), (_, "/update_weights"),
                 (_, "/collective_rpc"), (_, "/update_weights_from_disk"):
                return Self.error(405, "\(request.method) is not allowed on \(request.path)")
            default:
                return Self.error(404, "no route \(request.path)")
            }
        } catch let error as ServeError {
            return Self.error(error.status, error.message)
        } catch let error as InputError {
            return Self.error(400, error.description)
        } catch {
            return Self.error(500, "\(error)")
        }
    }

    static func error(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, body: JSONOut.object([
            ("object", .string("error")), ("message", .string(message)), ("code", .int(status)),
        ]).text)
    }

    func models() -> HTTPResponse {
        let status = worker.status
        let model = JSONOut.object([
            ("id", .string(limits.servedName)), ("object", .string("model")), ("created", .int(started)), ("owned_by", .string("dispo")),
            ("root", .string(modelDirectory)), ("max_model_len", .int(limits.maxModelLength)),
            ("dispo_weight_version", .int(status.version)),
            ("dispo_logprobs_mode", .string(worker.rawLogProbs ? "raw_logprobs" : "processed_logprobs")),
        ])
        return HTTPResponse(status: 200, body: JSONOut.object([("object", .string("list")), ("data", .array([model]))]).text)
    }

    /// Runs every prompt's work as its own engine job (jobs with equal parameters share engine batches).
    func run(_ work: [PromptWork]) async throws -> [EngineAnswer] {
        try await withThrowingTaskGroup(of: (Int, EngineAnswer).self) { group in
            for (k, w) in work.enumerated() {
                group.addTask { (k, try await self.worker.generate(w.requests, parameters: w.parameters)) }
            }
            var answers = [EngineAnswer?](repeating: nil, count: work.count)
            for try await (k, answer) in group { answers[k] = answer }
            return answers.compactMap { $0 }
        }
    }

    func completions(_ body: [UInt8]) async throws -> HTTPResponse {
        let request = try ServeRequests.completions(body, limits: limits)
        let answers = try await run(request.work)
        var choices: [JSONOut] = []
        var completionTokens = 0
        for (k, answer) in answers.enumerated() {
            for (i, r) in answer.results.enumerated() {
                completionTokens += r.tokens.count
                var logprobs = JSONOut.null
                if request.logprobs {
                    logprobs = .object([("tokens", .array(r.tokens.map { .string("token_id:\($0)") })),
                                        ("token_logprobs", .floats(r.logProbs)), ("top_logprobs", .null), ("text_offset", .array([]))])
                }
                choices.append(.object([
                    ("index", .int(k * request.n + i)), ("text", .string(text(r, skipSpecial: request.skipSpecial))),
                    ("token_ids", .ints(r.tokens)), ("logprobs", logprobs), ("finish_reason", .string(r.finishReason.rawValue)),
                    ("stop_reason", r.finishReason == .stop ? .int(Int(r.tokens.last ?? 0)) : .null),
                ]))
            }
        }
        let promptTokens = request.work.reduce(0) { $0 + $1.prompt.count }
        return HTTPResponse(status: 200, body: JSONOut.object([
            ("id", .string("cmpl-\(UInt64.random(in: 0...UInt64.max))")), ("object", .string("text_completion")),
            ("created", .int(Int(Date().timeIntervalSince1970))), ("model", .string(limits.servedName)), ("choices", .array(choices)),
            ("usage", .object([("prompt_tokens", .int(promptTokens)), ("completion_tokens", .int(completionTokens)),
                               ("total_tokens", .int(promptTokens + completionTokens))])),
            ("dispo_weight_version", .int(answers.map(\.version).max() ?? worker.status.version)),
        ]).text)
    }

    func generate(_ body: [UInt8]) async throws -> HTTPResponse {
        let request = try ServeRequests.generate(body, limits: limits)
        let answers = try await run(request.work)
        var items: [JSONOut] = []
        for (k, answer) in answers.enumerated() {
            for r in answer.results {
                var meta: [(String, JSONOut)] = [
                    ("id", .string("\(UInt64.random(in: 0...UInt64.max))")), ("prompt_tokens", .int(request.work[k].prompt.count)),
                    ("completion_tokens", .int(r.tokens.count)), ("weight_version", .string(String(answer.version))),
                    ("finish_reason", r.finishReason == .stop ? .object([("type", .string("stop")), ("matched", .int(Int(r.tokens.last ?? 0)))])
                                                             : .object([("type", .string("length")), ("length", .int(r.tokens.count))])),
                ]
                if request.logprobs {
                    meta.append(("output_token_logprobs", .array(zip(r.logProbs, r.tokens).map { .array([.float($0), .int(Int($1)), .null]) })))
                }
                items.append(.object([("text", .string(text(r, skipSpecial: true))), ("output_ids", .ints(r.tokens)), ("meta_info", .object(meta))]))
            }
        }
        let single = !request.batched && items.count == 1
        return HTTPResponse(status: 200, body: (single ? items[0] : JSONOut.array(items)).text)
    }

    func reload(_ route: String, _ body: [UInt8]) async throws -> HTTPResponse {
        let o = try JSONNumbers.parse(body, source: route).object()
        let directory: String
        switch route {
        case "/update_weights": directory = try o.required("weight_dir", "the policy directory").string()
        case "/update_weights_from_disk": directory = try o.required("model_path", "the policy directory").string()
        default:
            let method = try o.required("method").string()
            guard method == "reload_weights" else { throw ServeError(400, "collective_rpc: only the method reload_weights is served") }
            let kwargs = try o.required("kwargs", "{\"weights_path\": DIR}").object()
            directory = try kwargs.required("weights_path", "the policy directory").string()
            _ = try kwargs.optional("is_checkpoint_format")?.bool()
            try kwargs.finish()
        }
        let version = try o.optional("weight_version").map { r -> Int in
            if case .string(let s) = r.node.value, let n = Int(s), n >= 0 { return n }
            return try r.int(0...Int(Int32.max), "a weight version ≥ 0")
        }
        _ = o.optional("abort_all_requests")
        try o.finish()
        let served = try await worker.reload(directory: directory, version: version)
        StandardError.line("dispo serve: reloaded weights version \(served) from \(directory)")
        return HTTPResponse(status: 200, body: JSONOut.object([
            ("success", .bool(true)), ("message", .string("loaded \(directory)")), ("weight_version", .int(served)),
        ]).text)
    }

    func text(_ r: GenerationResult, skipSpecial: Bool) -> String {
        guard let tokenizer else { return "" }
        let known = r.tokens.filter { $0 < tokenizer.vocabularySize }
        return (try? tokenizer.decode(known, skipSpecialTokens: skipSpecial)) ?? ""
    }
}
