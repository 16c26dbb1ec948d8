// The math verifier: a response and a gold answer in, a verdict out (docs/VERIFIER.md).
// Extract (AnswerExtractor; the gold's own form decides which unanchored candidates count) → normalise both
// sides (AnswerNormalizer) → compare, in order: equal strings, equal numbers (NumericValue, 1e-6 relative),
// relations (RelationMatch: assignments, equations, inequalities, set-builder), equal structures
// (StructuredAnswer: tuples, intervals, sets, matrices, choices; elements compared recursively), the same
// terms of a sum in another order (SumTerms), words ignoring case, and equality as functions
// (SymbolicEquivalence). Empty or missing answers are incorrect.
// Pure text processing: no shelling out, no interpreter, no regular expressions. Every step is linear or
// bounded: answers over 4 KB are not compared, structures have at most 64 elements, expressions 512 nodes,
// structure nesting 4 levels; `work` counts the steps so tests can check the bound.

/// The outcome of grading one response.
public struct Verdict: Sendable, Equatable, Codable {
    public var correct: Bool
    /// The answer found in the response, before normalisation; nil when none was found.
    public var extracted: String?
    /// Why: `match: string|numeric|relation|equation|inequality|interval|tuple|set|matrix|choice|terms|words|
    /// symbolic`, `mismatch`, `no answer found`, `empty answer`, `empty gold answer`, `answer too long`,
    /// `gold answer too long`.
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
    /// Structures nest at most this deep (`((1,2),(3,4))` is 2): deeper elements compare as text.
    static let maxDepth = 4
    /// A comparison that has taken this many steps stops: what is still unmatched does not match. Real
    /// answers take well under 10,000; the cap bounds order-free matching of nested hostile lists.
    static let maxComparisonWork = 1_000_000

    /// Grades a full response against a gold answer as the datasets give it.
    public static func grade(response: String, gold: String) -> Verdict {
        var work = 0
        return grade(response: response, gold: gold, work: &work)
    }

    /// `grade`, also returning the number of elementary steps it took (bytes scanned, nodes evaluated,
    /// elements compared): linear in the input, which the adversarial tests check.
    public static func gradeCountingWork(response: String, gold: String) -> (verdict: Verdict, work: Int) {
        var work = 0
        let verdict = grade(response: response, gold: gold, work: &work)
        return (verdict, work)
    }

    static func grade(response: String, gold: String, work: inout Int) -> Verdict {
        let goldBytes = goldAnswer(gold, work: &work)
        let g = goldBytes.count <= maxAnswerBytes ? AnswerNormalizer.normalizeBytes(goldBytes) : []
        work += 8 * min(goldBytes.count, maxAnswerBytes)   // the normaliser's passes
        let goldIsMath = MathExpression.parse(g[...]) != nil
        let accepts: (String) -> Bool = { text in
            guard text.utf8.count <= maxAnswerBytes else { return false }
            let a = AnswerNormalizer.normalizeBytes(Array(text.utf8))
            guard !a.isEmpty else { return false }
            return !goldIsMath || MathExpression.parse(a[...]) != nil || Relation.parse(a) != nil
                || StructuredAnswer.shape(a) != nil
        }
        guard let found = AnswerExtractor.extract(from: response, accepts: accepts, work: &work) else {
            return Verdict(correct: false, extracted: nil, reason: "no answer found")
        }
        let (correct, reason) = compare(answer: found.text, goldAnswer: goldBytes, work: &work)
        return Verdict(correct: correct, extracted: found.text, reason: reason)
    }

    /// Compares an already extracted answer with a gold answer.
    /// A gold answer may itself be a GSM8K solution (`… #### 72`), a MATH solution with a `\boxed{}`, or a
    /// sentence with the answer in a math span.
    public static func compare(answer: String, gold: String) -> (correct: Bool, reason: String) {
        var work = 0
        return compare(answer: answer, goldAnswer: goldAnswer(gold, work: &work), work: &work)
    }

    static func compare(answer: String, goldAnswer goldBytes: [UInt8], work: inout Int) -> (correct: Bool, reason: String) {
        guard answer.utf8.count <= maxAnswerBytes else { return (false, "answer too long") }
        guard goldBytes.count <= maxAnswerBytes else { return (false, "gold answer too long") }
        let g = AnswerNormalizer.normalizeBytes(goldBytes)
        guard !g.isEmpty else { return (false, "empty gold answer") }
        let a = AnswerNormalizer.normalizeBytes(Array(answer.utf8))
        guard !a.isEmpty else { return (false, "empty answer") }
        work += 8 * (a.count + g.count)   // the normaliser's passes
        if let reason = equivalent(a, g, work: &work) { return (true, reason) }
        return (false, "mismatch")
    }

    /// Equivalence of two answers already normalised (by `AnswerNormalizer`), without the length cap:
    /// the reason of the first test that matched (`match: …`), or nil.
    public static func equivalentNormalized(_ answer: String, _ gold: String) -> String? {
        var work = 0
        return equivalent(Array(answer.utf8), Array(gold.utf8), work: &work)
    }

    static func equivalent(_ a: [UInt8], _ g: [UInt8], depth: Int = 0) -> String? {
        var work = 0
        return equivalent(a, g, depth: depth, work: &work)
    }

    static func equivalent(_ a: [UInt8], _ g: [UInt8], depth: Int = 0, work: inout Int) -> String? {
        work += a.count + g.count
        if a == g { return "match: string" }
        guard depth <= maxDepth, work <= maxComparisonWork else { return nil }
        if let gNum = NumericValue.parse(g), let aNum = NumericValue.parse(a) {
            return aNum.matches(gNum) ? "match: numeric" : nil
        }
        work += 8 * (a.count + g.count)   // relation, structure, terms, word and expression scans
        switch RelationMatch.compare(a, g, depth: depth, work: &work) {
        case .match(let reason): return reason
        case .mismatch: return nil
        case .notApplicable: break
        }
        if let reason = StructuredAnswer.compare(a, g, depth: depth, work: &work) { return reason }
        if SumTerms.equal(a, g) { return "match: terms" }
        if a.count == g.count, g.allSatisfy(isLetter), a.allSatisfy(isLetter),
           zip(a, g).allSatisfy({ lower($0) == lower($1) }) {
            return "match: words"
        }
        guard let x = MathExpression.parse(a[...]), let y = MathExpression.parse(g[...]) else { return nil }
        work += (x.nodes.count + y.nodes.count) * (SymbolicEquivalence.pointCount + 1)
        return SymbolicEquivalence.equal(x, y) ? "match: symbolic" : nil
    }

    /// The answer part of a gold field: the text after a GSM8K `####`; else the last `\boxed{}` (with the
    /// boxes listed with it: a MATH solution); else, when the field has a math span or says "the answer
    /// is", what the response extractor finds there (`The answer is $12$.`); else the field itself.
    static func goldAnswer(_ gold: String, work: inout Int) -> [UInt8] {
        let bytes = Array(gold.utf8)
        work += bytes.count
        return bytes.withUnsafeBufferPointer { b -> [UInt8] in
            if let range = AnswerExtractor.lastHashes(b, work: &work) { return Array(b[range]) }
            if let group = Boxed.lastGroup(in: b, work: &work) {
                return Array(group.contents.map { string(b[$0]) }.joined(separator: ",").utf8)
            }
            let hasSpan = gold.contains("$") || gold.contains("\\(") || gold.contains("\\[")
            guard hasSpan || gold.lowercased().contains("answer is") else { return bytes }
            guard let found = AnswerExtractor.extract(from: gold, accepts: { _ in true }, work: &work) else { return bytes }
            // `\$32.50` has no span: an escaped dollar is text.
            return found.source == .bare ? bytes : Array(found.text.utf8)
        }
    }
}
