// The metrics of one objective evaluation, tallied per token in fields (not a dictionary) on the hot path.
// Which metrics exist depends on the loss (docs/METRICS.md): every loss logs the ratio statistics; the
// weight-clipping losses (DISPO, CISPO) their regime clip shares, weights and ε; PPO-clip its clip
// fractions, split by the sign of A. A loss never logs another loss's metrics as zeros.
//
// A token counts as clipped when clipping moved its weight by more than `clipTolerance` relative to r
// (|w − r| > 1e-3·r): with ε = 0 the bound is 1 itself, and a ratio a hair off 1 (the sampler's and the
// learner's log-probs differ in the last bits) is not a clip that changes anything.

public enum RegimeMetrics {
    /// The relative change of the weight below which a clipped token does not count as clipped.
    public static let clipTolerance: Float = 1e-3

    /// Whether clipping `r` to `w` counts as a clip in the metrics.
    @inline(__always)
    public static func counts(ratio r: Float, weight w: Float) -> Bool { abs(r - w) > clipTolerance * r }
}

struct ObjectiveTally {
    let kind: PolicyLossKind
    let epsilons: RegimeEpsilons?
    var tokens = 0.0, positive = 0.0, negative = 0.0, zeroAdvantage = 0.0
    var ppoKL = 0.0, absLogRatio = 0.0, entropy = 0.0, klLoss = 0.0
    // PPO-clip.
    var ppoClipped = 0.0, ppoClippedPos = 0.0, ppoClippedNeg = 0.0, dualClipped = 0.0
    // Weight-clipping losses: per regime its tokens and those clipped; weights.
    var regimeTokens = [Double](repeating: 0, count: 4), regimeClipped = [Double](repeating: 0, count: 4)
    var weightPos = 0.0, weightNeg = 0.0, weightGap = 0.0, masked = 0.0
    var ratiosPos: [Float] = [], ratiosNeg: [Float] = []

    init(loss: PolicyLoss) {
        kind = loss.kind
        epsilons = loss.regimeEpsilons
    }

    mutating func add(_ term: TokenLossTerm, ratio r: Float, advantage a: Float, mask m: Float, logRatio: Float) {
        let count = Double(m)
        tokens += count
        ppoKL += Double(-logRatio * m)
        absLogRatio += Double(abs(logRatio) * m)
        if a > 0 { positive += count; ratiosPos.append(r) } else if a < 0 { negative += count; ratiosNeg.append(r) } else {
            zeroAdvantage += count
        }
        switch kind {
        case .ppoClip:
            if term.clip.contains(.ppoClipped) {
                ppoClipped += count
                if a > 0 { ppoClippedPos += count } else if a < 0 { ppoClippedNeg += count }
            }
            if term.clip.contains(.ppoDualClipped) { dualClipped += count }
        case .dispo, .cispo:
            if term.clip.contains(.masked) { masked += count }
            guard a != 0 else { return }
            if a > 0 { weightPos += Double(term.weight * m) } else { weightNeg += Double(term.weight * m) }
            weightGap += Double(abs(term.weight - r) * m)
            if let regime = ClipRegime.of(advantage: a, ratio: r) {
                regimeTokens[regime.rawValue] += count
                if !term.clip.isDisjoint(with: [.high, .low]), RegimeMetrics.counts(ratio: r, weight: term.weight) {
                    regimeClipped[regime.rawValue] += count
                }
            }
        case .reinforce:
            break
        }
    }

    func metrics(hasEntropy: Bool, hasKL: Bool) -> LossMetrics {
        var m = LossMetrics()
        m.add("actor/ppo_kl", ppoKL, count: tokens)
        m.add("dispo/abs_log_ratio_mean", absLogRatio, count: tokens)
        m.add("dispo/zero_adv_share", zeroAdvantage, count: tokens)
        m.addSamples("dispo/ratio_pos", ratiosPos)
        m.addSamples("dispo/ratio_neg", ratiosNeg)
        if hasEntropy { m.add("actor/entropy", entropy, count: tokens) }
        if hasKL { m.add("actor/kl_loss", klLoss, count: tokens) }
        switch kind {
        case .ppoClip:
            m.add("actor/pg_clipfrac", ppoClipped, count: tokens)
            m.add("actor/pg_clipfrac_lower", dualClipped, count: tokens)
            m.add("actor/pg_clipfrac_pos", ppoClippedPos, count: positive)
            m.add("actor/pg_clipfrac_neg", ppoClippedNeg, count: negative)
        case .dispo, .cispo:
            for regime in ClipRegime.allCases {
                m.add("dispo/clipfrac_" + regime.key, regimeClipped[regime.rawValue], count: tokens)
                m.add("dispo/clip_share_" + regime.key, regimeClipped[regime.rawValue], count: regimeTokens[regime.rawValue])
                m.add("dispo/regime_share_" + regime.key, regimeTokens[regime.rawValue], count: tokens)
                if let epsilons { m.add("dispo/" + regime.epsilonName, Double(epsilons[regime])) }
            }
            m.add("dispo/weight_gap_mean", weightGap, count: positive + negative)
            if kind == .dispo { m.add("dispo/masked_frac", masked, count: tokens) }
            if positive > 0 { m.add("dispo/mean_weight_pos", weightPos, count: positive) }
            if negative > 0 { m.add("dispo/mean_weight_neg", weightNeg, count: negative) }
        case .reinforce:
            break
        }
        return m
    }
}
