// Final-answer extraction from a model response (ALGORITHMS.md §5), in order of preference:
//   1. the last `Answer: …` line (DAPO format; case-insensitive, whitespace allowed before the colon,
//      the answer may start on the next line, as verl's `math_dapo` pattern `Answer\s*:\s*([^\n]+)`),
//   2. the last `\boxed{…}` / `\fbox{…}` (brace-matched),
//   3. the last GSM8K `#### n` line,
//   4. the last "the answer is …" (up to the end of the sentence or line).
// Ours: the `Answer:` label must start its line (after markdown such as `**` or `#`, and optionally
// "The", "Final", "The final"), as the DAPO prompt asks for, so "…check our answer: …" in the reasoning is not an answer line.
// And when a box starts after the last `Answer:` line begins, the box wins ("Answer: \boxed{5}").
// Every scan is a single backward or forward pass over the bytes: linear in the response length.

/// Where an extracted answer came from.
public enum AnswerSource: String, Sendable, Codable {
    case answerLine = "answer-line"
    case boxed
    case gsm8k
    case theAnswerIs = "the-answer-is"
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
        withBytes(response) { bytes in
            // Only an answer line after the last box can beat it, so with a box only its tail is searched.
            let box = Boxed.lastBox(in: bytes)
            let line = lastAnswerLine(bytes, after: box?.start ?? -1)
            if let box, line == nil {
                return ExtractedAnswer(text: string(bytes[box.content]), source: .boxed)
            }
            if let line { return ExtractedAnswer(text: string(bytes[line.content]), source: .answerLine) }
            if let range = lastHashes(bytes) { return ExtractedAnswer(text: string(bytes[range]), source: .gsm8k) }
            if let range = lastTheAnswerIs(bytes) {
                return ExtractedAnswer(text: string(bytes[range]), source: .theAnswerIs)
            }
            return nil
        }
    }

    /// The last `answer\s*:\s*<rest of line>` whose colon lies after `after`; `start` is the colon.
    static func lastAnswerLine(_ b: UnsafeBufferPointer<UInt8>, after: Int = -1) -> (start: Int, content: Range<Int>)? {
        var k = b.count - 1
        while k >= 6, k > after {
            defer { k -= 1 }
            guard b[k] == Byte.colon else { continue }
            var w = k - 1
            while w >= 0, isSpace(b[w]) { w -= 1 }
            guard w >= 5, b.has("answer", at: w - 5, caseless: true), startsLine(b, at: w - 5) else { continue }
            var s = k + 1
            while s < b.count, isSpace(b[s]) { s += 1 }
            var e = s
            while e < b.count, b[e] != Byte.newline { e += 1 }
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
    static func lastHashes(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var k = b.count - 4
        while k >= 0 {
            if b[k] == UInt8(ascii: "#"), b.has("####", at: k) {
                var s = k + 4
                while s < b.count, b[s] == UInt8(ascii: "#") || b[s] == 32 || b[s] == 9 { s += 1 }
                var e = s
                while e < b.count, b[e] != Byte.newline { e += 1 }
                while e > s, isSpace(b[e - 1]) { e -= 1 }
                return e > s ? s..<e : nil
            }
            k -= 1
        }
        return nil
    }

    /// What follows the last "the answer is": a `$…$` formula if it starts with one, else the text up to
    /// the end of the sentence (". " or a final "."), the line, or a comma.
    static func lastTheAnswerIs(_ b: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var k = b.count - 13
        while k >= 0 {
            if lower(b[k]) == UInt8(ascii: "t"), b.has("the answer is", at: k, caseless: true) { break }
            k -= 1
        }
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
