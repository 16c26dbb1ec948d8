// Changing the loss's clip bounds between steps: the adaptive clipping schedule (DispoLosses.AdaptiveClipping)
// sets DISPO's four ε after each learner step. Other losses are left as they are.

import DispoLosses

extension Learner {
    /// The ε of each regime the learner's loss uses now (nil for losses without weight clipping).
    public var regimeEpsilons: RegimeEpsilons? { config.objective.loss.regimeEpsilons }

    /// Uses `epsilons` for DISPO's four regimes from the next update on.
    public func setRegimeEpsilons(_ epsilons: RegimeEpsilons) {
        config.objective.loss = config.objective.loss.withRegimeEpsilons(epsilons)
    }
}
