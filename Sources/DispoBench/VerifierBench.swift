// `dispo bench verifier`: responses per second of the verifier plus filters (extraction, normalisation,
// comparison, overlong shaping, repetition detection) on one thread, over
//   - synthetic ~1k-token responses: math prose with LaTeX, ending in a boxed answer; about a quarter wrong,
//     a tenth stuck in a loop (the same set since the first version, so numbers compare across versions);
//   - real text, when ../shared is there: the MATH-500 and GSM8K reference solutions read as responses
//     (a quarter graded against another problem's answer), tokenized with the Qwen2.5 tokenizer.
// Each set also reports grading alone and the repetition check alone.
// Goal (issue 4 §5): ≥ 20,000 responses/s, so that reward is never the bottleneck. Best of `repeat` passes,
// timed by the thread's CPU clock (robust on a shared machine) and, for reference, the wall clock.

import DispoSupport
import DispoTokenizers
import DispoVerifier
import Foundation

public struct VerifierBenchOptions: Sendable {
    public var responses = 4000
    public var tokensPerResponse = 1000
    public var repeatCount = 3
    public var seed: UInt64 = 0
    /// Where the MATH-500 and GSM8K test files are (`math500/test.jsonl`, `gsm8k/test.jsonl`); skipped if absent.
    public var realData = "../shared/data/math"
    /// A Qwen2.5 tokenizer directory for the real responses' token ids.
    public var tokenizer = "../shared/data/tokenizers/qwen2.5-0.5b"
    public init() {}
}

public struct SyntheticResponse: Sendable {
    public var text: String
    public var gold: String
    public var tokens: [TokenID]
}

public enum VerifierBench {
    public static let goal = 20_000.0

    /// Runs the benchmark, printing a report through `emit`; returns responses per second on the synthetic set.
    @discardableResult
    public static func run(_ options: VerifierBenchOptions = VerifierBenchOptions(),
                           print emit: (String) -> Void = { print($0) }) -> Double {
        let data = responses(count: options.responses, tokens: options.tokensPerResponse, seed: options.seed)
        let rate = measure(data, name: "synthetic", maxLength: options.tokensPerResponse + 24,
                           repeatCount: options.repeatCount, emit: emit)
        do {
            if let real = try realResponses(options) {
                let longest = real.map(\.tokens.count).max() ?? 0
                measure(real, name: "real solutions", maxLength: longest + 24, repeatCount: options.repeatCount, emit: emit)
            } else {
                emit("real solutions: skipped (\(options.realData) or \(options.tokenizer) not found)")
            }
        } catch {
            emit("real solutions: skipped (\(error))")
        }
        return rate
    }

    /// Times the scorer, grading alone and the repetition check alone over `data`; returns scorer responses/s.
    @discardableResult
    static func measure(_ data: [SyntheticResponse], name: String, maxLength: Int, repeatCount: Int,
                        emit: (String) -> Void) -> Double {
        let bytes = data.reduce(0) { $0 + $1.text.utf8.count }
        let tokens = data.reduce(0) { $0 + $1.tokens.count }
        let config = ScoringConfig(overlong: OverlongConfig(maxLength: maxLength, buffer: 256),
                                   repetition: RepetitionConfig(action: .penalty, penalty: -0.5))
        let scorer = ResponseScorer(config: config)
        let detector = RepetitionDetector(config: config.repetition)
        var correct = 0, repetitive = 0
        let (cpu, wall) = best(repeatCount) {
            correct = 0
            repetitive = 0
            for r in data {
                let score = scorer.score(response: r.text, gold: r.gold, tokens: r.tokens, endedWithEOS: true)
                if score.verdict.correct { correct += 1 }
                if score.repetition.isRepetitive { repetitive += 1 }
            }
        }
        let (gradeOnly, _) = best(repeatCount) { for r in data { _ = MathVerifier.grade(response: r.text, gold: r.gold) } }
        let (repetitionOnly, _) = best(repeatCount) { for r in data { _ = detector.check(text: r.text, tokens: r.tokens) } }
        let n = Double(data.count)
        let rate = n / cpu
        emit("\(name), verifier+filters, 1 thread: \(data.count) responses, \(tokens / max(1, data.count)) tokens "
            + "(\(bytes / max(1, data.count)) bytes) each on average; correct \(correct), repetitive \(repetitive)")
        emit(String(format: "  %.0f responses/s (%.1f MB/s of text, %.2f µs per response; thread CPU time, best of %d)",
                     rate, Double(bytes) / cpu / 1e6, cpu / n * 1e6, repeatCount))
        emit(String(format: "  %.0f responses/s by wall clock (lower when other processes share the core)", n / wall))
        emit(String(format: "  grading alone %.2f µs, repetition check alone %.2f µs per response", gradeOnly / n * 1e6,
                     repetitionOnly / n * 1e6))
        emit(String(format: "  ratio vs goal (20000/s): %.2f", rate / goal))
        return rate
    }

    /// Best thread-CPU and wall seconds of `count` runs of `body`.
    static func best(_ count: Int, _ body: () -> Void) -> (cpu: Double, wall: Double) {
        var cpu = Double.infinity, wall = Double.infinity
        for _ in 0..<max(1, count) {
            let w = wallSeconds()
            let c = threadCPUSeconds()
            body()
            cpu = min(cpu, threadCPUSeconds() - c)
            wall = min(wall, wallSeconds() - w)
        }
        return (cpu, wall)
    }

    /// MATH-500 solutions (gold `$answer$`) and GSM8K solutions (gold after `####`); every fourth against the
    /// next row's answer. Nil when the files are not there.
    static func realResponses(_ options: VerifierBenchOptions) throws -> [SyntheticResponse]? {
        let math = options.realData + "/math500/test.jsonl", gsm = options.realData + "/gsm8k/test.jsonl"
        let fm = FileManager.default
        guard fm.fileExists(atPath: math), fm.fileExists(atPath: gsm), fm.fileExists(atPath: options.tokenizer) else { return nil }
        let tokenizer = try TokenizerLoader.load(options.tokenizer)
        func rows(_ path: String, _ response: String, _ gold: (String) -> String) throws -> [(String, String)] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try text.split(separator: "\n").enumerated().map { n, line in
                let object = try JSONReader(node: JSONParser.parse(String(line), file: path, firstLine: n + 1), file: path).object()
                let answer = try object.required("answer").string()
                return (try object.required(response).string(), gold(answer))
            }
        }
        let pairs = try rows(math, "solution") { "$" + $0 + "$" }
            + rows(gsm, "answer") { $0.components(separatedBy: "####").last?.trimmingCharacters(in: .whitespaces) ?? "" }
        return pairs.indices.map { k in
            let (text, gold) = pairs[k]
            let otherGold = pairs[(k + 1) % pairs.count].1
            return SyntheticResponse(text: text, gold: k % 4 == 3 ? otherGold : gold, tokens: tokenizer.encode(text))
        }
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
