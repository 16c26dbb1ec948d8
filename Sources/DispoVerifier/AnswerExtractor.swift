// Final-answer extraction from a model response (docs/VERIFIER.md), in tiers; within a tier the candidate
// that ends last wins:
//   1. the last `\boxed{…}` / `\fbox{…}` together with the boxes it is listed with (`\boxed{3}, \boxed{5}`);
//      "final answer … is X" (math-verify's Minerva pattern); the last `Answer: …` line (DAPO format,
//      case-insensitive, the answer may start on the next line, as verl's `math_dapo` `Answer\s*:\s*([^\n]+)`)
//      when it starts after the last box begins;
//   2. the last GSM8K `#### n` line;
//   3. the last "the answer is …" (up to the end of the sentence or line); else the first math span or
//      number within 50 bytes after the last word "answer" that has one;
//   4. unanchored, as math-verify's lowest priority: the last LaTeX math span (`$…$`, `$$…$$`, `\(…\)`,
//      `\[…\]`, with the spans listed with it: `$x=1$ and $x=2$`), the last bare `\frac{p}{q}`, or the last
//      number that stands alone. A candidate that the caller does not accept (for a gold that is an
//      expression: one that does not read as math, like `$\triangle ABC$`) gives way to the next.
// Ours: the `Answer:` label must start its line (after markdown such as `**` or `#`, and optionally
// "The", "Final", "The final"), as the DAPO prompt asks for, so "…check our answer: …" in the reasoning is
// not an answer line. An answer is taken only from these places: never by searching the text for the gold.
// Every scan is a single backward or forward pass over the bytes: linear in the response length.

/// Where an extracted answer came from.
public enum AnswerSource: String, Sendable, Codable {
    case answerLine = "answer-line"
    case boxed
    case finalAnswer = "final-answer"
    case gsm8k
    case theAnswerIs = "the-answer-is"
    case mathSpan = "math-span"
    case bare
}

/// An answer found in a response, before normalisation.
public struct ExtractedAnswer: Sendable, Equatable {
    public var text: String
    public var source: AnswerSource
    public init(text: String, source: AnswerSource) {
        self.text = text
        self.source = source
    }
}

public enum AnswerExtractor {
    /// The final answer of `response`, or nil when it states none.
    public static func extract(from response: String) -> ExtractedAnswer? {
        var work = 0
        return extract(from: response, accepts: { _ in true }, work: &work)
    }

    /// The final answer; `accepts` may turn down unanchored candidates (tier 4) so the next one is tried.
    /// `work` counts the bytes scanned.
    static func extract(from response: String, accepts: (String) -> Bool, work: inout Int) -> ExtractedAnswer? {
        withBytes(response) { bytes in
            if let answer = anchored(bytes, work: &work) { return answer }
            if let range = lastHashes(bytes, work: &work) { return ExtractedAnswer(text: string(bytes[range]), source: .gsm8k) }
            if let range = lastTheAnswerIs(bytes, work: &work) {
                return ExtractedAnswer(text: string(bytes[range]), source: .theAnswerIs)
            }
            if let range = AnswerAnchors.afterAnswerWord(bytes, work: &work) {
                return ExtractedAnswer(text: string(bytes[range]), source: .theAnswerIs)
            }
            return unanchored(bytes, accepts: accepts, work: &work)
        }
    }

    /// Tier 1: boxes, "final answer is", `Answer:` lines.
    static func anchored(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> ExtractedAnswer? {
        let group = Boxed.lastGroup(in: b, work: &work)
        var best: (end: Int, answer: ExtractedAnswer)?
        if let group {
            let text = group.contents.map { string(b[$0]) }.joined(separator: ",")
            best = (group.end, ExtractedAnswer(text: text, source: .boxed))
        }
        // A phrase that starts over 120 bytes before the box ends before it, or holds it in its span.
        let final = AnswerAnchors.finalAnswerIs(b, from: group.map { $0.start - 120 } ?? 0, work: &work)
        if let final, final.end > best?.end ?? -1 {
            let boxInside = group.map { $0.start >= final.content.lowerBound && $0.end <= final.end } ?? false
            if !boxInside { best = (final.end, ExtractedAnswer(text: string(b[final.content]), source: .finalAnswer)) }
        }
        if let line = lastAnswerLine(b, after: group?.start ?? -1, work: &work), line.content.upperBound > best?.end ?? -1 {
            let finalInLine = final.map { line.content.contains($0.content.lowerBound) } ?? false
            if !finalInLine { best = (line.content.upperBound, ExtractedAnswer(text: string(b[line.content]), source: .answerLine)) }
        }
        return best?.answer
    }

    /// Tier 4: the last math span group, bare fraction or number that the caller accepts.
    static func unanchored(_ b: UnsafeBufferPointer<UInt8>, accepts: (String) -> Bool, work: inout Int) -> ExtractedAnswer? {
        var candidates: [(end: Int, answer: ExtractedAnswer)] = []
        let spans = MathSpans.scan(b, keep: 8, work: &work)
        var earlier = spans[...]
        if let group = MathSpans.lastGroup(b, spans: spans) {
            candidates.append((group.end, ExtractedAnswer(text: group.text, source: .mathSpan)))
            earlier = spans.prefix { $0.outer.upperBound <= group.start }
        }
        for span in earlier.reversed() {
            candidates.append((span.outer.upperBound, ExtractedAnswer(text: string(b[span.content]), source: .mathSpan)))
        }
        if let fraction = AnswerAnchors.lastBareFraction(b, work: &work),
           !spans.contains(where: { $0.outer.contains(fraction.lowerBound) }) {
            candidates.append((fraction.upperBound, ExtractedAnswer(text: string(b[fraction]), source: .bare)))
        }
        if let number = AnswerAnchors.lastNumber(b, work: &work) {
            candidates.append((number.upperBound, ExtractedAnswer(text: string(b[number]), source: .bare)))
        }
        candidates.sort { $0.end > $1.end }
        for candidate in candidates {
            work += 16 * min(candidate.answer.text.utf8.count, MathVerifier.maxAnswerBytes)   // normalise and parse it
            if accepts(candidate.answer.text) { return candidate.answer }
        }
        return nil
    }

    /// The last `answer\s*:\s*<rest of line>` whose colon lies after `after`; `start` is the colon.
    static func lastAnswerLine(_ b: UnsafeBufferPointer<UInt8>, after: Int = -1, work: inout Int) -> (start: Int, content: Range<Int>)? {
        var k = b.count - 1
        var steps = 0
        defer { work += steps + (b.count - max(0, k)) }
        while k >= 6, k > after {
            defer { k -= 1 }
            guard b[k] == Byte.colon else { continue }
            var w = k - 1
            while w >= 0, isSpace(b[w]) { w -= 1 }
            steps += k - w + 24   // the spaces before the colon, the label and what precedes it on the line
            guard w >= 5, b.has("answer", at: w - 5, caseless: true), startsLine(b, at: w - 5) else { continue }
            var s = k + 1
            while s < b.count, isSpace(b[s]) { s += 1 }
            var e = s
            while e < b.count, b[e] != Byte.newline { e += 1 }
            steps += e - k
            // Markdown emphasis around the label or the answer (`**Answer:** 5`) is not part of it.
            while s < e, b[s] == UInt8(ascii: "*") || b[s] == 32 { s += 1 }
            while e > s, b[e - 1] == UInt8(ascii: "*") || isSpace(b[e - 1]) { e -= 1 }
            if e > s { return (k, s..<e) }
        }
        return nil
    }

    /// True when only markup (`*`, `#`, `>`, `-`, spaces) and optionally "the", "final" or "the final" precede
    /// `at` on its line, within 24 bytes (the bound keeps the scan linear on hostile one-line input).
    static func startsLine(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
        var letters: [UInt8] = []
        var k = at - 1
        while k >= 0, b[k] != Byte.newline {
            guard at - k <= 24 else { return false }
            let c = b[k]
            if isLetter(c) { letters.append(lower(c)) } else if !(c == 32 || c == 9 || "*#>-_".utf8.contains(c)) { return false }
            k -= 1
        }
        return ["", "lanif", "eht", "lanifeht"].contains { letters.elementsEqual($0.utf8) }   // reversed words
    }

    /// The rest of the line after the last `####`.
    static func lastHashes(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> Range<Int>? {
        var k = b.count - 4
        defer { work += b.count - max(0, k) }
        while k >= 0 {
            if b[k] == UInt8(ascii: "#"), b.has("####", at: k) {
                var s = k + 4
                while s < b.count, b[s] == UInt8(ascii: "#") || b[s] == 32 || b[s] == 9 { s += 1 }
                var e = s
                while e < b.count, b[e] != Byte.newline { e += 1 }
                work += e - k
                while e > s, isSpace(b[e - 1]) { e -= 1 }
                return e > s ? s..<e : nil
            }
            k -= 1
        }
        return nil
    }

    /// What follows the last "the answer is": a `$…$` formula if it starts with one, else the text up to
    /// the end of the sentence (". " or a final "."), the line, or a comma.
    static func lastTheAnswerIs(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> Range<Int>? {
        var k = b.count - 13
        while k >= 0 {
            if lower(b[k]) == UInt8(ascii: "t"), b.has("the answer is", at: k, caseless: true) { break }
            k -= 1
        }
        work += 2 * (b.count - max(0, k))   // the search, then at most one forward scan to the line's end
        guard k >= 0 else { return nil }
        var s = k + 13
        while s < b.count, isSpace(b[s]) || b[s] == UInt8(ascii: ":") { s += 1 }
        if s < b.count, b[s] == Byte.dollar {
            var open = s
            while open < b.count, b[open] == Byte.dollar { open += 1 }
            var close = open
            while close < b.count, b[close] != Byte.dollar { close += 1 }
            return close > open ? open..<close : nil
        }
        var e = s
        while e < b.count, b[e] != Byte.newline {
            if b[e] == Byte.dot, e + 1 == b.count || isSpace(b[e + 1]) { break }
            e += 1
        }
        while e > s, isSpace(b[e - 1]) { e -= 1 }
        return e > s ? s..<e : nil
    }
}
