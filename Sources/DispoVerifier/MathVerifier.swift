// The math verifier: a response and a gold answer in, a verdict out (ALGORITHMS.md §5).
// Extract (AnswerExtractor) → normalise both sides (AnswerNormalizer) → compare, in order: equal strings,
// equal numbers (NumericValue, 1e-6 relative), equal structures (StructuredAnswer), the same terms of a
// sum in another order (SumTerms), and, for answers that are words only, equal words ignoring case. Empty or missing answers are incorrect.
// Pure text processing: no shelling out, no interpreter, no regular expressions; every step is linear
// (the order-free set match is quadratic in at most 64 elements), so any input finishes quickly.

/// The outcome of grading one response.
public struct Verdict: Sendable, Equatable, Codable {
    public var correct: Bool
    /// The answer found in the response, before normalisation; nil when none was found.
    public var extracted: String?
    /// Why: `match: string|numeric|tuple|interval|set|matrix|choice|terms|words`, `mismatch`, `no answer found`,
    /// `empty answer`, `empty gold answer`, `answer too long`, `gold answer too long`.
    public var reason: String

    public init(correct: Bool, extracted: String?, reason: String) {
        self.correct = correct
        self.extracted = extracted
        self.reason = reason
    }

    /// The response stated no usable answer (a format failure rather than a wrong answer).
    public var isFormatFailure: Bool { extracted == nil || reason == "empty answer" }
}

public enum MathVerifier {
    /// Longer extracted answers are not compared (no real answer is this long; it bounds the work of
    /// normalising a hostile megabyte-sized box to zero). MATH-500's longest answer is under 100 bytes.
    public static let maxAnswerBytes = 4096

    /// Grades a full response against a gold answer as the datasets give it.
    public static func grade(response: String, gold: String) -> Verdict {
        guard let found = AnswerExtractor.extract(from: response) else {
            return Verdict(correct: false, extracted: nil, reason: "no answer found")
        }
        let (correct, reason) = compare(answer: found.text, gold: gold)
        return Verdict(correct: correct, extracted: found.text, reason: reason)
    }

    /// Compares an already extracted answer with a gold answer.
    /// A gold answer may itself be a GSM8K solution (`… #### 72`) or a MATH solution with a `\boxed{}`.
    public static func compare(answer: String, gold: String) -> (correct: Bool, reason: String) {
        guard answer.utf8.count <= maxAnswerBytes else { return (false, "answer too long") }
        let goldBytes = goldAnswer(gold)
        guard goldBytes.count <= maxAnswerBytes else { return (false, "gold answer too long") }
        let g = AnswerNormalizer.normalizeBytes(goldBytes)
        guard !g.isEmpty else { return (false, "empty gold answer") }
        let a = AnswerNormalizer.normalizeBytes(Array(answer.utf8))
        guard !a.isEmpty else { return (false, "empty answer") }
        if let reason = equivalent(a, g) { return (true, reason) }
        return (false, "mismatch")
    }

    /// Equivalence of two answers already normalised (by `AnswerNormalizer`), without the length cap:
    /// the reason of the first test that matched (`match: …`), or nil.
    public static func equivalentNormalized(_ answer: String, _ gold: String) -> String? {
        equivalent(Array(answer.utf8), Array(gold.utf8))
    }

    static func equivalent(_ a: [UInt8], _ g: [UInt8]) -> String? {
        if a == g { return "match: string" }
        let gNum = NumericValue.parse(g)
        if let gNum, let aNum = NumericValue.parse(a) {
            return aNum.matches(gNum) ? "match: numeric" : nil
        }
        if let reason = StructuredAnswer.compare(a, g) { return reason }
        if SumTerms.equal(a, g) { return "match: terms" }
        if a.count == g.count, g.allSatisfy(isLetter), a.allSatisfy(isLetter),
           zip(a, g).allSatisfy({ lower($0) == lower($1) }) {
            return "match: words"
        }
        return nil
    }

    /// The answer part of a gold field: the text after a GSM8K `####`, else the content of the last
    /// `\boxed{}` (a MATH solution), else the field itself.
    static func goldAnswer(_ gold: String) -> [UInt8] {
        let bytes = Array(gold.utf8)
        let range = bytes.withUnsafeBufferPointer { AnswerExtractor.lastHashes($0) ?? Boxed.lastRange(in: $0) }
        return range.map { Array(bytes[$0]) } ?? bytes
    }
}
