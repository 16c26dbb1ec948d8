// What `scoring.reward` selects. Three forms, all valid JSON in a pipeline:
//
//   {"correct": 1, "incorrect": -1, "no_answer": -1}           the built-in math verifier with these values
//   {"kind": "command", "command": ["python3", "r.py"], …}      one reward component
//   [{"kind": "math", "weight": 1}, {"kind": "format", "weight": 0.2}, …]   a weighted sum of components
//
// Components: `math` (the verifier, with its own correct/incorrect/no_answer values), `format` (1 when an
// answer can be extracted, else 0), `length` (0 up to `target` tokens, then falling linearly to −1 at twice
// the target), `command` (a persistent subprocess speaking JSONL on stdin/stdout) and `http` (a POST per
// response); the protocol of the last two is in README.md ("Reward plugins"). Each component is logged as
// `reward/<name>/mean`. The overlong and repetition terms are added to the sum as before.

import DispoSupport

public struct RewardComponentConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case math, format, length, command, http }
    /// What a plugin failure (crash, hang, malformed answer) does.
    public enum OnError: String, Codable, Sendable, CaseIterable {
        /// Stop the run with an error naming the plugin and the request.
        case fail
        /// Score the response with `failure_reward` and count it (`reward/<name>/failures`).
        case score
    }

    public var kind: Kind
    /// Metric name; default the kind (a repeated kind gets `_2`, `_3`, …). Names must be distinct.
    public var name: String?
    public var weight: Double
    /// `math`: the verdict's values.
    public var values: RewardConfig
    /// `length`: tokens allowed before the term falls.
    public var target: Int?
    /// `command`: the program and its arguments.
    public var command: [String]?
    /// `http`: where to POST.
    public var url: String?
    /// Plugins: seconds per request, requests at once, and what a failure does.
    public var timeoutSeconds: Double
    public var workers: Int
    public var onError: OnError
    public var failureReward: Double

    enum CodingKeys: String, CodingKey {
        case kind, name, weight, correct, incorrect, noAnswer = "no_answer", target, command, url
        case timeoutSeconds = "timeout_s", workers, onError = "on_error", failureReward = "failure_reward"
    }

    public init(kind: Kind, weight: Double = 1) {
        self.kind = kind
        self.weight = weight
        values = RewardConfig()
        timeoutSeconds = 30
        workers = 2
        onError = .fail
        failureReward = 0
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(kind: try c.decode(Kind.self, forKey: .kind), weight: try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        let d = RewardConfig()
        if kind == .math {
            values = RewardConfig(correct: try c.decodeIfPresent(Double.self, forKey: .correct) ?? d.correct,
                                  incorrect: try c.decodeIfPresent(Double.self, forKey: .incorrect) ?? d.incorrect,
                                  noAnswer: try c.decodeIfPresent(Double.self, forKey: .noAnswer) ?? d.noAnswer)
        }
        if kind == .length { target = try c.decode(Int.self, forKey: .target) }
        if kind == .command { command = try c.decode([String].self, forKey: .command) }
        if kind == .http { url = try c.decode(String.self, forKey: .url) }
        if kind == .command || kind == .http {
            timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? timeoutSeconds
            workers = try c.decodeIfPresent(Int.self, forKey: .workers) ?? workers
            onError = try c.decodeIfPresent(OnError.self, forKey: .onError) ?? onError
            failureReward = try c.decodeIfPresent(Double.self, forKey: .failureReward) ?? failureReward
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encodeIfPresent(name, forKey: .name)
        try c.encode(weight, forKey: .weight)
        if kind == .math {
            try c.encode(values.correct, forKey: .correct)
            try c.encode(values.incorrect, forKey: .incorrect)
            try c.encode(values.noAnswer, forKey: .noAnswer)
        }
        try c.encodeIfPresent(target, forKey: .target)
        try c.encodeIfPresent(command, forKey: .command)
        try c.encodeIfPresent(url, forKey: .url)
        if kind == .command || kind == .http {
            try c.encode(timeoutSeconds, forKey: .timeoutSeconds)
            try c.encode(workers, forKey: .workers)
            try c.encode(onError, forKey: .onError)
            try c.encode(failureReward, forKey: .failureReward)
        }
    }

    /// Ranges; `path` is where the component sits, e.g. `$.reward[1]`.
    public func validate(file: String, path: String) throws {
        func check(_ ok: Bool, _ key: String, _ expected: String, _ found: String) throws {
            if !ok { throw InputError(file: file, place: "\(path).\(key)", expected: expected, found: found) }
        }
        try check(weight.isFinite && abs(weight) <= 1e6, "weight", "a finite number in [-1e6, 1e6]", "\(weight)")
        if kind == .math {
            do { try values.validate(file: file) } catch var error as InputError {
                error.place = error.place.map { path + $0.dropFirst() }
                throw error
            }
        }
        if let target { try check((1...1_000_000).contains(target), "target", "a token count in [1, 1000000]", "\(target)") }
        if let command { try check(!command.isEmpty && !command[0].isEmpty, "command", "a program and its arguments", "\(command)") }
        if let url { try check(url.hasPrefix("http://") || url.hasPrefix("https://"), "url", "an http(s) URL", url) }
        try check(timeoutSeconds > 0 && timeoutSeconds <= 86_400, "timeout_s", "seconds in (0, 86400]", "\(timeoutSeconds)")
        try check((1...256).contains(workers), "workers", "a whole number in [1, 256]", "\(workers)")
        try check(failureReward.isFinite, "failure_reward", "a finite number", "\(failureReward)")
    }
}

/// `scoring.reward` in any of its three forms.
public struct RewardSelection: Codable, Sendable, Equatable {
    /// The built-in verifier's values (used by the verifier alone, and as the `math` component's default).
    public var values: RewardConfig
    /// The components of a combined reward; nil = the verifier alone with `values`.
    public var components: [RewardComponentConfig]?

    public init(values: RewardConfig = RewardConfig(), components: [RewardComponentConfig]? = nil) {
        self.values = values
        self.components = components
    }

    private struct Probe: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var components: [RewardComponentConfig] = []
            while !list.isAtEnd { components.append(try list.decode(RewardComponentConfig.self)) }
            self.init(components: components)
        } else if try decoder.container(keyedBy: Probe.self).contains(Probe(stringValue: "kind")) {
            self.init(components: [try RewardComponentConfig(from: decoder)])
        } else {
            self.init(values: try RewardConfig(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        if let components {
            var list = encoder.unkeyedContainer()
            for component in components { try list.encode(component) }
        } else {
            try values.encode(to: encoder)
        }
    }

    /// The metric name of each component: its `name`, else its kind, numbered when repeated.
    public var componentNames: [String] {
        var seen: [String: Int] = [:]
        return (components ?? []).map { c in
            if let name = c.name { return name }
            let base = c.kind.rawValue
            let count = (seen[base] ?? 0) + 1
            seen[base] = count
            return count == 1 ? base : "\(base)_\(count)"
        }
    }

    public func validate(file: String) throws {
        guard let components else { return try values.validate(file: file) }
        guard !components.isEmpty else { throw InputError(file: file, place: "$", expected: "at least one reward component", found: "[]") }
        for (i, c) in components.enumerated() { try c.validate(file: file, path: "$[\(i)]") }
        let names = componentNames
        if let repeated = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw InputError(file: file, place: "$", expected: "distinct component names", found: "\"\(repeated)\" twice")
        }
    }
}
