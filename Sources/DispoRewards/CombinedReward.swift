// The reward of a response when `scoring.reward` names components: the weighted sum of the components
// (RewardComponents.swift in DispoVerifier), plus the overlong and repetition terms the scorer computed.
// The verdict of the built-in verifier is always computed; a response is `correct` when the first plugin
// that says so says so, else when the verifier says so. A plugin failure stops the run with its error, or
// — with `on_error: "score"` — scores the component with `failure_reward` and is counted.

import DispoSupport
import DispoVerifier
import Synchronization

public struct RewardInput: Sendable {
    public var request: RewardRequest
    /// Response length in tokens (the stop token included).
    public var length: Int

    public init(request: RewardRequest, length: Int) {
        self.request = request
        self.length = length
    }
}

public struct CombinedScore: Sendable, Equatable {
    public var reward: Double
    public var correct: Bool
    /// Each component's value (before its weight), under its metric name; a plugin's own components as
    /// `name.key`.
    public var components: [String: Double]
}

public final class CombinedReward: Sendable {
    public let names: [String]
    let components: [RewardComponentConfig]
    let plugins: [Int: any RewardPlugin]
    private let failureCounts = Mutex<[String: Int]>([:])

    public init(_ selection: RewardSelection) throws {
        let components = selection.components ?? [RewardComponentConfig(kind: .math)]
        let names = selection.componentNames.isEmpty ? ["math"] : selection.componentNames
        var plugins: [Int: any RewardPlugin] = [:]
        for (i, c) in components.enumerated() {
            switch c.kind {
            case .command:
                plugins[i] = try CommandRewardPlugin(name: names[i], command: c.command ?? [], timeout: c.timeoutSeconds, workers: c.workers)
            case .http:
                plugins[i] = HTTPRewardPlugin(name: names[i], url: c.url ?? "", timeout: c.timeoutSeconds, workers: c.workers)
            case .math, .format, .length:
                break
            }
        }
        self.components = components
        self.names = names
        self.plugins = plugins
    }

    /// Plugin failures scored with `failure_reward` so far, by component name.
    public var failures: [String: Int] { failureCounts.withLock { $0 } }

    public func score(_ input: RewardInput, base: ResponseScore) async throws -> CombinedScore {
        var total = base.overlongPenalty + base.repetitionPenalty
        var correct: Bool?
        var values: [String: Double] = [:]
        for (i, c) in components.enumerated() {
            let value: Double
            switch c.kind {
            case .math: value = c.values.reward(for: base.verdict)
            case .format: value = base.verdict.isFormatFailure ? 0 : 1
            case .length:
                let target = Double(c.target ?? 1)
                value = Double(input.length) <= target ? 0 : max(-1, -(Double(input.length) - target) / target)
            case .command, .http:
                do {
                    guard let plugin = plugins[i] else {
                        throw RewardPluginError(plugin: names[i], request: input.request.summary, reason: "the plugin was not started")
                    }
                    let reply = try await plugin.score(input.request)
                    value = reply.reward
                    if correct == nil { correct = reply.correct }
                    for (key, v) in reply.components ?? [:] { values["\(names[i]).\(key)"] = v }
                } catch let error as RewardPluginError where c.onError == .score {
                    _ = error
                    failureCounts.withLock { $0[names[i], default: 0] += 1 }
                    value = c.failureReward
                }
            }
            values[names[i]] = value
            total += c.weight * value
        }
        return CombinedScore(reward: total, correct: correct ?? base.verdict.correct, components: values)
    }

    public func shutdown() {
        for p in plugins.values { p.shutdown() }
    }
}
