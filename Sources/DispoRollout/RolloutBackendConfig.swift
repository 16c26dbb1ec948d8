// `rollout.backend` of a pipeline spec: "local" (the run's own engine, in-process) or a pool of inference
// servers: {"kind": "openai-completions" | "sglang", "urls": [...], ...}. With only kind and urls given, the
// defaults work against `dispo serve` processes, weight sync included. Decoded strictly (unknown keys are
// errors naming the JSON path) by DispoSupport's StrictJSONDecoder; `validate` checks ranges and URLs.
// Keys, units and defaults: docs/SERVING.md.

import DispoSupport
import Foundation

public struct RolloutBackendConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case local
        /// vLLM's OpenAI-compatible `/v1/completions` (and `dispo serve`'s).
        case openaiCompletions = "openai-completions"
        /// SGLang's native `/generate`.
        case sglang
    }

    /// What the servers' log-probs are: `processed` = at the sampling temperature (dispo serve, SGLang by
    /// default, vLLM with --logprobs-mode processed_logprobs); `raw` = before temperature (vLLM's default).
    public enum LogProbMode: String, Codable, Sendable, CaseIterable { case processed, raw }

    public struct WeightSync: Codable, Sendable, Equatable {
        public enum Method: String, Codable, Sendable, CaseIterable {
            /// POST /update_weights {"weight_dir": DIR} (dispo serve; a vLLM worker-extension route).
            case updateWeights = "update_weights"
            /// POST /collective_rpc {"method": "reload_weights", …} (vLLM with VLLM_SERVER_DEV_MODE=1).
            case collectiveRPC = "collective_rpc"
            /// POST /update_weights_from_disk {"model_path": DIR} (SGLang).
            case updateWeightsFromDisk = "update_weights_from_disk"
            /// The servers keep their weights (evaluation, or weights synced by other means).
            case none
        }
        public enum DType: String, Codable, Sendable, CaseIterable { case f32, bf16 }

        /// nil: update_weights for openai-completions, update_weights_from_disk for sglang.
        public var method: Method?
        /// Where policy directories are written; must be readable by every server at the same path.
        /// nil: the caller's default (the pipeline: RUN_DIR/policy).
        public var dir: String?
        /// Sync when the policy is at least this many versions ahead of the servers.
        public var every = 1
        /// f32 keeps samples bit-identical to local sampling; bf16 halves the bytes written.
        public var dtype: DType = .f32
        /// Policy directories kept on disk (the newest ones).
        public var keep = 2

        enum CodingKeys: String, CodingKey { case method, dir, every, dtype, keep }

        public init(method: Method? = nil, dir: String? = nil, every: Int = 1, dtype: DType = .f32, keep: Int = 2) {
            self.method = method; self.dir = dir; self.every = every; self.dtype = dtype; self.keep = keep
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = WeightSync()
            method = try choice(c, .method, Method.self)
            dir = try c.decodeIfPresent(String.self, forKey: .dir)
            every = try c.decodeIfPresent(Int.self, forKey: .every) ?? d.every
            dtype = try choice(c, .dtype, DType.self) ?? d.dtype
            keep = try c.decodeIfPresent(Int.self, forKey: .keep) ?? d.keep
        }
    }

    public var kind: Kind
    /// Base URLs (scheme, host, port), e.g. "http://127.0.0.1:8001".
    public var urls: [String] = []
    /// Served model name sent as "model"; nil leaves it out (vLLM then uses its only model).
    public var model: String?
    /// Seconds one request may take (generation included) before it counts as failed.
    public var timeoutSeconds = 600.0
    /// Requests in flight over the whole pool; nil = 8 per server.
    public var maxInFlight: Int?
    /// Retries of a failed request (connection error, timeout, HTTP 5xx or 429) on the same server.
    public var retries = 3
    /// First back-off before a retry; doubles each time, at most 30 s.
    public var backoffSeconds = 0.5
    public var logprobs: LogProbMode = .processed
    public var weightSync = WeightSync()

    enum CodingKeys: String, CodingKey {
        case kind, urls, model, timeoutSeconds = "timeout_s", maxInFlight = "max_in_flight", retries
        case backoffSeconds = "backoff_s", logprobs, weightSync = "weight_sync"
    }

    public static let local = RolloutBackendConfig(kind: .local)

    public init(kind: Kind, urls: [String] = []) {
        self.kind = kind
        self.urls = urls
    }

    /// "local", or an object with at least "kind".
    public init(from decoder: any Decoder) throws {
        if let name = try? decoder.singleValueContainer().decode(String.self) {
            guard name == Kind.local.rawValue else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                    "\"local\" or an object {\"kind\": \"openai-completions\" | \"sglang\", \"urls\": [...]}"))
            }
            self.init(kind: .local)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RolloutBackendConfig(kind: .local)
        guard let kind = try choice(c, .kind, Kind.self) else {
            throw DecodingError.keyNotFound(CodingKeys.kind, .init(codingPath: decoder.codingPath, debugDescription: "a \"kind\""))
        }
        self.init(kind: kind)
        urls = try c.decodeIfPresent([String].self, forKey: .urls) ?? []
        model = try c.decodeIfPresent(String.self, forKey: .model)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
        maxInFlight = try c.decodeIfPresent(Int.self, forKey: .maxInFlight)
        retries = try c.decodeIfPresent(Int.self, forKey: .retries) ?? d.retries
        backoffSeconds = try c.decodeIfPresent(Double.self, forKey: .backoffSeconds) ?? d.backoffSeconds
        logprobs = try choice(c, .logprobs, LogProbMode.self) ?? d.logprobs
        weightSync = try c.decodeIfPresent(WeightSync.self, forKey: .weightSync) ?? d.weightSync
    }

    public func encode(to encoder: any Encoder) throws {
        if kind == .local && self == .local {
            var c = encoder.singleValueContainer()
            try c.encode(Kind.local.rawValue)
            return
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(urls, forKey: .urls)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
        try c.encodeIfPresent(maxInFlight, forKey: .maxInFlight)
        try c.encode(retries, forKey: .retries)
        try c.encode(backoffSeconds, forKey: .backoffSeconds)
        try c.encode(logprobs, forKey: .logprobs)
        try c.encode(weightSync, forKey: .weightSync)
    }

    /// Reads the backend from a JSON text (e.g. the value of `--set rollout.backend=…`).
    public static func decode(_ text: String, file: String) throws -> RolloutBackendConfig {
        let config = try StrictJSONDecoder().decode(RolloutBackendConfig.self, from: try JSONParser.parse(text, file: file), file: file)
        try config.validate(file: file, path: "$")
        return config
    }

    /// The weight-sync method in effect (the kind's default when not given).
    public var syncMethod: WeightSync.Method {
        weightSync.method ?? (kind == .sglang ? .updateWeightsFromDisk : .updateWeights)
    }

    /// Requests in flight over the pool.
    public var inFlightLimit: Int { maxInFlight ?? 8 * max(1, urls.count) }

    /// Checks ranges and URLs; `path` is where the backend sits in `file` (e.g. "$.rollout.backend").
    public func validate(file: String, path: String) throws {
        func check(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw InputError(file: file, place: key.isEmpty ? path : "\(path).\(key)", expected: expected, found: "\(found)") }
        }
        if kind == .local {
            try check(urls.isEmpty, "urls", "no urls for the local backend", urls)
            return
        }
        try check(!urls.isEmpty, "urls", "at least one server base URL, e.g. \"http://127.0.0.1:8001\"", "[]")
        for (i, url) in urls.enumerated() {
            let parsed = URLComponents(string: url)
            let ok = parsed.map { ($0.scheme == "http" || $0.scheme == "https") && !($0.host ?? "").isEmpty
                && ($0.path.isEmpty || $0.path == "/") && $0.query == nil } ?? false
            try check(ok, "urls[\(i)]", "a base URL http(s)://HOST[:PORT] without a path", url)
        }
        try check(Set(urls.map(Self.normalized)).count == urls.count, "urls", "each server once", urls)
        try check(timeoutSeconds > 0 && timeoutSeconds.isFinite, "timeout_s", "a number of seconds > 0", timeoutSeconds)
        if let m = maxInFlight { try check(m >= 1, "max_in_flight", "a whole number ≥ 1", m) }
        try check((0...100).contains(retries), "retries", "a whole number in [0, 100]", retries)
        try check(backoffSeconds >= 0 && backoffSeconds <= 60, "backoff_s", "a number of seconds in [0, 60]", backoffSeconds)
        try check(weightSync.every >= 1, "weight_sync.every", "a whole number ≥ 1", weightSync.every)
        try check(weightSync.keep >= 1, "weight_sync.keep", "a whole number ≥ 1", weightSync.keep)
        let method = syncMethod
        try check(!(kind == .sglang && (method == .updateWeights || method == .collectiveRPC)), "weight_sync.method",
                  "update_weights_from_disk or none for an SGLang pool", method.rawValue)
        try check(!(kind == .openaiCompletions && method == .updateWeightsFromDisk), "weight_sync.method",
                  "update_weights, collective_rpc or none for an openai-completions pool", method.rawValue)
        if let dir = weightSync.dir { try check(!dir.isEmpty, "weight_sync.dir", "a directory path", "\"\"") }
    }

    /// The URL without a trailing slash.
    public static func normalized(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// A string-valued enum member whose error lists the valid names; nil when absent (`kind` is required).
func choice<K: CodingKey, E: RawRepresentable & CaseIterable>(_ c: KeyedDecodingContainer<K>, _ key: K, _ type: E.Type) throws -> E?
    where E.RawValue == String {
    let required = key.stringValue == "kind"
    guard let name = required ? try c.decode(String.self, forKey: key) : try c.decodeIfPresent(String.self, forKey: key) else { return nil }
    guard let value = E(rawValue: name) else {
        let names = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath + [key], debugDescription: "one of \(names)"))
    }
    return value
}
