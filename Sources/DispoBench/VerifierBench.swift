// `dispo bench verifier`: responses per second of the verifier plus filters (extraction, normalisation,
// comparison, overlong shaping, repetition detection) on one thread, over synthetic ~1k-token responses:
// math prose with LaTeX, ending in a boxed answer; about a quarter wrong, a tenth stuck in a loop.
// Goal (issue 4 §5): ≥ 20,000 responses/s, so that reward is never the bottleneck. Best of `repeat` passes,
// timed by the thread's CPU clock (robust on a shared machine) and, for reference, the wall clock.

import DispoSupport
import DispoVerifier
import Foundation

public struct VerifierBenchOptions: Sendable {
    public var responses = 4000
    public var tokensPerResponse = 1000
    public var repeatCount = 3
    public var seed: UInt64 = 0
    public init() {}
}

public struct SyntheticResponse: Sendable {
    public var text: String
    public var gold: String
    public var tokens: [TokenID]
}

public enum VerifierBench {
    public static let goal = 20_000.0

    /// Runs the benchmark, printing a report through `emit`; returns responses per second.
    @discardableResult
    public static func run(_ options: VerifierBenchOptions = VerifierBenchOptions(),
                           print emit: (String) -> Void = { print($0) }) -> Double {
        let data = responses(count: options.responses, tokens: options.tokensPerResponse, seed: options.seed)
        let bytes = data.reduce(0) { $0 + $1.text.utf8.count }
        let config = ScoringConfig(overlong: OverlongConfig(maxLength: options.tokensPerResponse + 24, buffer: 256),
                                   repetition: RepetitionConfig(action: .penalty, penalty: -0.5))
        let scorer = ResponseScorer(config: config)
        var best = Double.infinity, bestWall = Double.infinity
        var correct = 0, repetitive = 0
        for _ in 0..<max(1, options.repeatCount) {
            correct = 0
            repetitive = 0
            let wall = DispatchTime.now().uptimeNanoseconds
            let cpu = threadCPUSeconds()
            for r in data {
                let score = scorer.score(response: r.text, gold: r.gold, tokens: r.tokens, endedWithEOS: true)
                if score.verdict.correct { correct += 1 }
                if score.repetition.isRepetitive { repetitive += 1 }
            }
            best = min(best, threadCPUSeconds() - cpu)
            bestWall = min(bestWall, Double(DispatchTime.now().uptimeNanoseconds - wall) / 1e9)
        }
        let rate = Double(data.count) / best
        emit("verifier+filters, 1 thread: \(data.count) responses, \(options.tokensPerResponse) tokens "
            + "(\(bytes / max(1, data.count)) bytes) each; correct \(correct), repetitive \(repetitive)")
        emit(String(format: "%.0f responses/s (%.1f MB/s of text, %.2f µs per response; thread CPU time, best of %d)",
                     rate, Double(bytes) / best / 1e6, best / Double(data.count) * 1e6, options.repeatCount))
        emit(String(format: "%.0f responses/s by wall clock (lower when other processes share the core)",
                     Double(data.count) / bestWall))
        emit(String(format: "ratio vs goal (20000/s): %.2f", rate / goal))
        return rate
    }

    /// CPU time of the calling thread: unlike the wall clock, it does not count time the thread waited
    /// for a core that other processes were using.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Deterministic synthetic responses: one token per word or symbol, a boxed answer at the end.
    public static func responses(count: Int, tokens: Int, seed: UInt64) -> [SyntheticResponse] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in response(tokens: tokens, rng: &rng) }
    }

    static let words = ["Let", "the", "sum", "of", "roots", "be", "we", "have", "so", "that", "then", "substitute",
                        "into", "equation", "gives", "Therefore", "and", "hence", "check", "value", "is", "=", "+",
                        "-", "\\cdot", "$x$", "$y$", "$x^2$", "$\\frac{1}{2}$", "$\\sqrt{3}$", "(", ")", ",", ".",
                        "Now", "consider", "case", "where", "integer", "divisible", "by", "modulo", "remainder"]
    static let golds = ["42", "\\frac{3}{4}", "(3, \\frac{\\pi}{2})", "2\\sqrt{5}", "1,000", "90^\\circ", "[2, 5)",
                        "\\text{(C)}", "025", "x^2 + 1"]
    static let wrong = ["41", "\\frac{4}{3}", "(3, \\pi)", "2\\sqrt{3}", "100", "45", "(2, 5)", "(B)", "52", "x^2 - 1"]

    static func response(tokens: Int, rng: inout SplitMix64) -> SyntheticResponse {
        let k = rng.below(golds.count)
        let answer = rng.below(4) == 0 ? wrong[k] : golds[k]
        let looping = rng.below(10) == 0
        let body = tokens - 12
        var pieces: [String] = []
        pieces.reserveCapacity(tokens)
        let loop = (0..<(3 + rng.below(8))).map { _ in words[rng.below(words.count)] }
        for t in 0..<body {
            if looping, t > body / 3 { pieces.append(loop[t % loop.count]); continue }
            pieces.append(rng.below(6) == 0 ? String(rng.below(1000)) : words[rng.below(words.count)])
        }
        pieces += ["Therefore", ",", "the", "final", "answer", "is", "$\\boxed{\(answer)}$", "."]
        let ids = pieces.map { piece in   // FNV-1a: the same ids in every process
            TokenID(truncatingIfNeeded: piece.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } & 0x1FFFF)
        }
        return SyntheticResponse(text: pieces.joined(separator: " "), gold: golds[k], tokens: ids)
    }
}
