// Collapse detection: signs that training has stopped learning for good, checked on every learner step's
// metrics. Each condition counts the consecutive steps it has held; when one reaches `window`, the run has
// collapsed at that step (reported once: a warning in the log, `collapse` in summary.json, and with
// `train.stop_on_collapse` the run ends there). The conditions (Pipelines/README.md, `train.collapse`):
//
//     accuracy      acc/mean ≤ accuracy_below                 (the sampled responses are ~never correct)
//     uninformative train/informative_group_share = 0          (every group's rewards are equal: A = 0 everywhere)
//     zero gradient actor/grad_norm ≤ 1e-12                    (the updates no longer move the model)
//     truncation    response_length/clip_ratio ≥ truncation_above
//     repetition    response/repetition_rate ≥ repetition_above
//
// The counters are part of each checkpoint, so a resumed run detects at the same step as an uninterrupted one.

import DispoSupport

public struct CollapseConfig: Codable, Sendable, Equatable {
    /// Consecutive steps a condition must hold.
    public var window = 10
    public var accuracyBelow = 0.01
    public var truncationAbove = 0.9
    public var repetitionAbove = 0.9

    enum CodingKeys: String, CodingKey {
        case window, accuracyBelow = "accuracy_below", truncationAbove = "truncation_above", repetitionAbove = "repetition_above"
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CollapseConfig()
        window = try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window
        accuracyBelow = try c.decodeIfPresent(Double.self, forKey: .accuracyBelow) ?? d.accuracyBelow
        truncationAbove = try c.decodeIfPresent(Double.self, forKey: .truncationAbove) ?? d.truncationAbove
        repetitionAbove = try c.decodeIfPresent(Double.self, forKey: .repetitionAbove) ?? d.repetitionAbove
    }

    func validate(file: String, path: String) throws {
        func check(_ ok: Bool, _ key: String, _ expected: String, _ found: Any) throws {
            if !ok { throw InputError(file: file, place: path + "." + key, expected: expected, found: "\(found)") }
        }
        try check(window >= 1, "window", "a whole number ≥ 1", window)
        try check((0...1).contains(accuracyBelow), "accuracy_below", "a fraction in [0, 1]", accuracyBelow)
        try check((0...1).contains(truncationAbove), "truncation_above", "a fraction in [0, 1]", truncationAbove)
        try check((0...1).contains(repetitionAbove), "repetition_above", "a fraction in [0, 1]", repetitionAbove)
    }
}

/// When and why a run collapsed.
public struct CollapseEvent: Codable, Sendable, Equatable {
    /// The learner step (1-based) at which a condition had held for `window` steps.
    public var step: Int
    public var reason: String

    public init(step: Int, reason: String) {
        self.step = step
        self.reason = reason
    }
}

public struct CollapseDetector: Codable, Sendable, Equatable {
    /// Consecutive steps each condition has held, by condition name.
    public var streaks: [String: Int] = [:]
    /// The collapse, once detected.
    public var event: CollapseEvent?

    public init() {}

    struct Condition {
        var name: String
        var holds: ([String: Double]) -> Bool
        var describe: (Int) -> String
    }

    static func conditions(_ c: CollapseConfig) -> [Condition] {
        func metric(_ key: String, _ test: @escaping (Double) -> Bool) -> ([String: Double]) -> Bool {
            { m in m[key].map(test) ?? false }
        }
        return [
            Condition(name: "accuracy", holds: metric("acc/mean") { $0 <= c.accuracyBelow },
                      describe: { "train accuracy ≤ \(c.accuracyBelow) for \($0) steps" }),
            Condition(name: "uninformative", holds: metric("train/informative_group_share") { $0 == 0 },
                      describe: { "every group uninformative (equal rewards, zero advantages) for \($0) steps" }),
            Condition(name: "zero_gradient", holds: metric("actor/grad_norm") { $0 <= 1e-12 },
                      describe: { "gradient norm 0 for \($0) steps" }),
            Condition(name: "truncation", holds: metric("response_length/clip_ratio") { $0 >= c.truncationAbove },
                      describe: { "truncation ≥ \(c.truncationAbove) for \($0) steps" }),
            Condition(name: "repetition", holds: metric("response/repetition_rate") { $0 >= c.repetitionAbove },
                      describe: { "repetition ≥ \(c.repetitionAbove) for \($0) steps" }),
        ]
    }

    /// Takes step `step`'s metrics; returns the collapse if it is detected at this step (only the first time).
    public mutating func observe(step: Int, metrics: [String: Double], config: CollapseConfig) -> CollapseEvent? {
        var reasons: [String] = []
        for condition in Self.conditions(config) {
            let streak = condition.holds(metrics) ? (streaks[condition.name] ?? 0) + 1 : 0
            streaks[condition.name] = streak
            if streak >= config.window { reasons.append(condition.describe(streak)) }
        }
        guard event == nil, !reasons.isEmpty else { return nil }
        event = CollapseEvent(step: step, reason: reasons.joined(separator: "; "))
        return event
    }
}
