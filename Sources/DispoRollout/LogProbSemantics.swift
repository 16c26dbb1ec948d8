// Behaviour log-probs from a sampler against the learner's, per token: the trainer–sampler mismatch metrics
// every asynchronous RL system logs, and the check for the classic mix-up of raw and processed log-probs.
//
// Semantics. dispo's engine reports log softmax(logits / τ) of the chosen token before top-k/top-p
// truncation: what the learner recomputes at the same temperature. vLLM reports log softmax(logits) (raw,
// τ = 1) unless started with --logprobs-mode processed_logprobs, which gives log softmax of the processed
// logits: after temperature *and* after top-k/top-p (renormalised over the kept tokens). SGLang reports
// log softmax(logits / τ) unless SGLANG_RETURN_ORIGINAL_LOGPROB=1 (raw). With τ = 1 and no truncation all
// agree; otherwise raw log-probs used as the loss's old log-probs make every importance ratio wrong.
//
// Metrics, with δ = logp_trainer − logp_sampler and r = exp(δ) per token, averaged over tokens:
//   rollout/mismatch_kl            mean(r − 1 − δ)   (k3 estimator of KL(sampler ‖ trainer), ≥ 0)
//   rollout/mismatch_abs_logp      mean |δ|
//   rollout/mismatch_ratio_out     fraction of tokens with r < 0.5 or r > 2

import Foundation

public struct MismatchMetrics: Sendable, Equatable {
    public var tokens: Int
    public var kl: Double
    public var meanAbsDiff: Double
    public var meanDiff: Double
    public var ratioOutside: Double

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case shapes(sequence: Int, sampler: Int, trainer: Int)
        public var description: String {
            switch self {
            case let .shapes(i, s, t): return "sequence \(i): \(s) sampler log-probs but \(t) trainer log-probs"
            }
        }
    }

    /// Per-token sampler and trainer log-probs of the same sequences (same lengths, sequence by sequence).
    public static func compute(sampler: [[Float]], trainer: [[Float]]) throws -> MismatchMetrics {
        guard sampler.count == trainer.count else { throw Failure.shapes(sequence: -1, sampler: sampler.count, trainer: trainer.count) }
        var n = 0, kl = 0.0, absSum = 0.0, sum = 0.0, outside = 0
        for (i, (s, t)) in zip(sampler, trainer).enumerated() {
            guard s.count == t.count else { throw Failure.shapes(sequence: i, sampler: s.count, trainer: t.count) }
            for (a, b) in zip(s, t) {
                let delta = Double(b) - Double(a)
                let r = exp(delta)
                kl += r - 1 - delta
                absSum += abs(delta)
                sum += delta
                if r < 0.5 || r > 2 { outside += 1 }
                n += 1
            }
        }
        let d = Double(max(n, 1))
        return MismatchMetrics(tokens: n, kl: kl / d, meanAbsDiff: absSum / d, meanDiff: sum / d, ratioOutside: Double(outside) / d)
    }

    /// The metrics under their logged names.
    public var named: [(String, Double)] {
        [("rollout/mismatch_kl", kl), ("rollout/mismatch_abs_logp", meanAbsDiff), ("rollout/mismatch_ratio_out", ratioOutside)]
    }
}

public enum LogProbSemantics {
    public static let explanation = "the learner's old log-probs are log softmax(logits / temperature) before top-k/top-p; "
        + "vLLM returns raw log-probs (before temperature) unless started with --logprobs-mode processed_logprobs, "
        + "SGLang returns them after temperature unless SGLANG_RETURN_ORIGINAL_LOGPROB=1 (docs/SERVING.md, \"Log-probs\")"

    /// Settings that cannot give the learner correct old log-probs: raw log-probs at τ ≠ 1 without recomputing
    /// them is an error (thrown); truncation with a vLLM-style pool is a warning (returned), since vLLM's
    /// processed log-probs are renormalised over the kept tokens while dispo serve's are not.
    public static func check(_ config: RolloutBackendConfig, temperature: Float, topP: Float, topK: Int,
                             recomputeOldLogProbs: Bool) throws -> [String] {
        guard config.kind != .local, !recomputeOldLogProbs else { return [] }
        if config.logprobs == .raw && temperature != 1 {
            throw RolloutConfigError(message: "rollout.backend.logprobs is \"raw\" (log-probs before temperature) but "
                + "rollout.temperature is \(temperature): the loss's old log-probs would be at the wrong temperature. Start vLLM "
                + "with --logprobs-mode processed_logprobs and set logprobs to \"processed\", or set rollout.recompute_old_logprobs")
        }
        if config.kind == .openaiCompletions && (topP < 1 || topK > 0) {
            return ["with top_p < 1 or top_k > 0, vLLM's processed log-probs are renormalised over the kept tokens (dispo serve's "
                    + "are not): against vLLM set rollout.recompute_old_logprobs, or expect rollout/mismatch_* to show it"]
        }
        return []
    }

    /// Looks at server log-probs against the learner's at the sampling temperature (and, when the caller has
    /// them, at temperature 1) and returns an explanation when they look like the wrong kind; nil when fine.
    public static func diagnose(sampler: [[Float]], trainer: [[Float]], trainerAtTemperatureOne: [[Float]]? = nil,
                                temperature: Float) throws -> String? {
        guard temperature != 1 else { return nil }
        let atT = try MismatchMetrics.compute(sampler: sampler, trainer: trainer)
        guard atT.tokens > 0 else { return nil }
        if let raw = trainerAtTemperatureOne {
            let atOne = try MismatchMetrics.compute(sampler: sampler, trainer: raw)
            if atOne.meanAbsDiff < 0.5 * atT.meanAbsDiff && atT.meanAbsDiff > 0.01 {
                return "the server's log-probs match the policy at temperature 1 (mean |Δlogp| \(short(atOne.meanAbsDiff))), not at the "
                    + "sampling temperature \(temperature) (mean |Δlogp| \(short(atT.meanAbsDiff))): they are raw log-probs; " + explanation
            }
            return nil
        }
        if atT.meanAbsDiff > 0.1 {
            return "the server's log-probs differ from the learner's by mean |Δlogp| \(short(atT.meanAbsDiff)) (mismatch KL "
                + "\(short(atT.kl))) at temperature \(temperature); raw log-probs (before temperature) are the usual cause: " + explanation
        }
        return nil
    }

    static func short(_ x: Double) -> String { String(format: "%.4g", x) }
}

public struct RolloutConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var description: String { message }
}
