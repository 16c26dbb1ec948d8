// The inputs of a policy loss for one micro-batch: response tokens of S sequences laid end to end.
//
// Legend: N tokens in the micro-batch (all sequences concatenated), S sequences.

public struct PolicyBatch: Sendable {
    /// (N) log π_θ(o_t) of the current policy (temperature-scaled, as in the sampler).
    public var logProbs: [Float]
    /// (N) log π_old(o_t) recorded by the sampler.
    public var oldLogProbs: [Float]
    /// (N) 1 where the token counts, 0 for padding and masked tokens.
    public var mask: [Float]
    /// (S + 1) offsets: sequence s owns tokens sequenceStarts[s] ..< sequenceStarts[s+1].
    public var sequenceStarts: [Int]
    /// (S) the advantage of each sequence; every token of sequence s gets it.
    public var advantages: [Float]
    /// (S) whether each response was verified correct (used by DISPO's `split_by = correctness`).
    public var correct: [Bool]?
    /// (N) entropy of the predicted distribution at each token (for the entropy bonus and metric).
    public var entropies: [Float]?
    /// (N) log π_ref(o_t) of the reference policy (for the KL penalty).
    public var refLogProbs: [Float]?

    public init(logProbs: [Float], oldLogProbs: [Float], mask: [Float], sequenceStarts: [Int], advantages: [Float],
                correct: [Bool]? = nil, entropies: [Float]? = nil, refLogProbs: [Float]? = nil) {
        self.logProbs = logProbs
        self.oldLogProbs = oldLogProbs
        self.mask = mask
        self.sequenceStarts = sequenceStarts
        self.advantages = advantages
        self.correct = correct
        self.entropies = entropies
        self.refLogProbs = refLogProbs
    }

    public var tokenCount: Int { logProbs.count }
    public var sequenceCount: Int { sequenceStarts.count - 1 }

    public func range(of sequence: Int) -> Range<Int> { sequenceStarts[sequence]..<sequenceStarts[sequence + 1] }

    /// Checks that the arrays agree in length; a mismatch is a programming error upstream.
    public func validate() throws {
        let n = logProbs.count
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw LossInputError(message: "policy batch: \(what)") }
        }
        try check(oldLogProbs.count == n, "old_logprobs has \(oldLogProbs.count) values for \(n) tokens")
        try check(mask.count == n, "mask has \(mask.count) values for \(n) tokens")
        try check(sequenceStarts.first == 0 && sequenceStarts.last == n, "sequence offsets must run from 0 to \(n)")
        try check(zip(sequenceStarts, sequenceStarts.dropFirst()).allSatisfy { $0 <= $1 }, "sequence offsets must not decrease")
        try check(advantages.count == sequenceCount, "\(advantages.count) advantages for \(sequenceCount) sequences")
        if let correct { try check(correct.count == sequenceCount, "\(correct.count) verdicts for \(sequenceCount) sequences") }
        if let entropies { try check(entropies.count == n, "entropies has \(entropies.count) values for \(n) tokens") }
        if let refLogProbs { try check(refLogProbs.count == n, "ref_logprobs has \(refLogProbs.count) values for \(n) tokens") }
    }
}

public struct LossInputError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The importance-sampling ratio r = exp(clamp(log π_θ − log π_old, −20, 20)); the clamp is a numeric guard.
@inline(__always)
public func importanceRatio(logProb: Float, oldLogProb: Float) -> Float {
    exp(min(max(logProb - oldLogProb, -20), 20))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
