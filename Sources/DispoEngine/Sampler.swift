// Choosing the next token from logits: greedy, or temperature sampling restricted to the top-k tokens and/or
// the smallest top-p nucleus (Holtzman et al. 2020). Each sequence owns a SplitMix64 seeded from its key
// (run seed, step, prompt, sample index) through XXH64, so its tokens do not depend on which other sequences
// share the batch or in what order they run.
// The reported log-prob is that of the chosen token under softmax(logits / τ) (τ = 1 when greedy) before
// top-k/top-p truncation: the value the learner's forward recomputes at the same temperature.
// Ties are broken towards the lower token id. Dimension legend: V vocab.

import DispoSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies one sample: the same key always gives the same random stream.
public struct SampleKey: Sendable, Hashable {
    public var runSeed: UInt64, step: UInt64, prompt: UInt64, sample: UInt64
    public init(runSeed: UInt64, step: UInt64 = 0, prompt: UInt64, sample: UInt64 = 0) {
        self.runSeed = runSeed; self.step = step; self.prompt = prompt; self.sample = sample
    }

    /// XXH64 of the four little-endian words: the seed of this sample's generator.
    public var seed: UInt64 {
        var words = [runSeed.littleEndian, step.littleEndian, prompt.littleEndian, sample.littleEndian]
        return words.withUnsafeMutableBytes { XXH64.hash(UnsafeRawBufferPointer($0), seed: 0x6469_7370_6F) }
    }
}

public struct SamplingParameters: Sendable, Equatable {
    /// 0 means greedy.
    public var temperature: Float
    /// Keep the smallest set of most likely tokens whose probability reaches topP (1 = all).
    public var topP: Float
    /// Keep the topK most likely tokens (0 = all).
    public var topK: Int
    public var maxNewTokens: Int
    /// Generation stops after emitting any of these (the stop token is kept in the output).
    public var stopTokens: Set<Int32>

    public init(temperature: Float = 1, topP: Float = 1, topK: Int = 0, maxNewTokens: Int = 64, stopTokens: Set<Int32> = []) {
        self.temperature = temperature; self.topP = topP; self.topK = topK
        self.maxNewTokens = maxNewTokens; self.stopTokens = stopTokens
    }

    public static func greedy(maxNewTokens: Int, stopTokens: Set<Int32> = []) -> SamplingParameters {
        SamplingParameters(temperature: 0, maxNewTokens: maxNewTokens, stopTokens: stopTokens)
    }
}

/// Chooses the next token of one sequence from its logits (V), drawing randomness only from that sequence's
/// `rng`, and reports the token's log-prob. The Generator calls it once per sequence per step.
public protocol Sampler {
    mutating func pick(logits: UnsafePointer<Float>, V: Int, rng: inout SplitMix64) -> (token: Int32, logProb: Float)
}

/// The standard sampler: greedy / temperature / top-k / top-p. Reuses its scratch across calls.
public struct TokenSampler: Sampler {
    public let parameters: SamplingParameters
    var order: [Int32] = []          // (≤ V) candidate ids, most likely first
    var probs: [Float] = []          // (V) softmax(logits / τ)

    public init(parameters: SamplingParameters) { self.parameters = parameters }

    /// The chosen token and its log-prob; `rng` advances by exactly one draw when sampling, none when greedy.
    public mutating func pick(logits: UnsafePointer<Float>, V: Int, rng: inout SplitMix64) -> (token: Int32, logProb: Float) {
        let greedy = parameters.temperature == 0
        let invT = greedy ? 1 : 1 / parameters.temperature
        var m = -Float.infinity, best = 0
        for j in 0..<V where logits[j] > m { m = logits[j]; best = j }
        if probs.count != V { probs = [Float](repeating: 0, count: V) }
        var sum = 0.0
        probs.withUnsafeMutableBufferPointer { p in
            let p = p.baseAddress!
            p.update(from: logits, count: V)
            FastMath.expShifted(p, V, scale: invT, shift: m * invT)
            for j in 0..<V { sum += Double(p[j]) }
        }
        let logSum = Float(log(sum))
        func logProb(_ j: Int) -> Float { (logits[j] - m) * invT - logSum }
        if greedy { return (Int32(best), logProb(best)) }
        let u = Double(rng.next() >> 11) * 0x1p-53            // uniform in [0, 1)
        let truncate = parameters.topK > 0 && parameters.topK < V || parameters.topP < 1
        if !truncate {
            var acc = 0.0
            let target = u * sum
            for j in 0..<V {
                acc += Double(probs[j])
                if acc > target { return (Int32(j), logProb(j)) }
            }
            return (Int32(best), logProb(best))
        }
        // Candidates sorted by probability (ties: lower id first), cut by top-k, then by top-p. Sorting all V
        // tokens costs O(V log V) per token (151k for Qwen), so only tokens with p ≥ threshold are sorted, the
        // threshold falling by 10³ until the candidates surely hold the kept set: at least top-k of them, or
        // the top-p mass (every token left out is less likely than every candidate).
        let k = parameters.topK > 0 ? min(parameters.topK, V) : V
        var threshold = probs[best] * 1e-3
        while true {
            order.removeAll(keepingCapacity: true)
            var mass = 0.0
            for j in 0..<V where probs[j] >= threshold {
                order.append(Int32(j))
                mass += Double(probs[j])
            }
            let enough = (parameters.topK > 0 && order.count >= k) || (parameters.topP < 1 && mass >= Double(parameters.topP) * sum)
            if enough || threshold == 0 { break }
            threshold = threshold > 1e-30 ? threshold * 1e-3 : 0
        }
        probs.withUnsafeBufferPointer { p in
            order.sort { p[Int($0)] != p[Int($1)] ? p[Int($0)] > p[Int($1)] : $0 < $1 }
        }
        var keep = min(k, order.count)
        if parameters.topP < 1 {
            var acc = 0.0
            for i in 0..<keep {
                acc += Double(probs[Int(order[i])])
                if acc >= Double(parameters.topP) * sum { keep = i + 1; break }
            }
        }
        var kept = 0.0
        for i in 0..<keep { kept += Double(probs[Int(order[i])]) }
        var acc = 0.0
        let target = u * kept
        for i in 0..<keep {
            acc += Double(probs[Int(order[i])])
            if acc > target { return (order[i], logProb(Int(order[i]))) }
        }
        return (order[0], logProb(Int(order[0])))
    }
}
