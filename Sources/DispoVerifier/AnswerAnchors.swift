// Two ways a response states its answer without a box or an `Answer:` line, as math-verify reads them:
//   - "final answer … is X" (within 100 bytes of "final answer"; "The final answer is $9$. I hope it is
//     correct.", "the final answer to part (b) is: 9"): X is a math span, or a number;
//   - a bare final number: the last number (sign, thousands groups of three, decimals, `a/b`, a percent sign
//     or word) that starts the text or follows a space or `=` (optionally `**` and a currency sign), so
//     `AZYUK2A` has no number; or the last `\frac{p}{q}` of numbers outside any math span.
// Each is one scan, backward from the end then forward over a bounded window: linear.

enum AnswerAnchors {
    /// The content after the last "final answer … is" that starts at or after `from`, and where it ends.
    static func finalAnswerIs(_ b: UnsafeBufferPointer<UInt8>, from: Int = 0, work: inout Int) -> (content: Range<Int>, end: Int)? {
        var k = b.count - 12
        defer { work += b.count - max(0, k) }
        while k >= max(0, from), !(lower(b[k]) == UInt8(ascii: "f") && b.has("final answer", at: k, caseless: true)) { k -= 1 }
        guard k >= max(0, from) else { return nil }
        var s = k + 12
        let limit = min(b.count, s + 102)
        while s + 2 < limit {   // `\s+is` then a non-letter
            if isSpace(b[s]), lower(b[s + 1]) == UInt8(ascii: "i"), lower(b[s + 2]) == UInt8(ascii: "s"),
               s + 3 == b.count || !isLetter(b[s + 3]) { break }
            s += 1
        }
        guard s + 2 < limit else { return nil }
        s += 3
        while s < b.count, isSpace(b[s]) || b[s] == Byte.colon || b[s] == UInt8(ascii: "*") { s += 1 }
        let rest = UnsafeBufferPointer(rebasing: b[s...])
        var spanWork = 0
        if s < b.count, b[s] == Byte.dollar || b.has("\\(", at: s) || b.has("\\[", at: s) {
            // The span that starts here (scanning only a bounded window keeps this linear).
            let window = UnsafeBufferPointer(rebasing: rest.prefix(4096))
            let spans = MathSpans.scan(window, keep: 1, work: &spanWork)
            work += spanWork
            guard let first = spans.first, first.outer.lowerBound == 0 else { return nil }
            return ((s + first.content.lowerBound)..<(s + first.content.upperBound), s + first.outer.upperBound)
        }
        guard let number = numberAt(b, s) else { return nil }
        return (number, number.upperBound)
    }

    /// A number token starting at `s` (sign, digits with thousands groups, decimals, `/q`, percent).
    static func numberAt(_ b: UnsafeBufferPointer<UInt8>, _ s: Int) -> Range<Int>? {
        var e = s
        if e < b.count, b[e] == UInt8(ascii: "-") { e += 1 }
        let digits = e
        while e < b.count, isDigit(b[e]) || (b[e] == Byte.comma && groupOfThree(b, e + 1)) { e += 1 }
        if e + 1 < b.count, b[e] == Byte.dot, isDigit(b[e + 1]) {
            e += 1
            while e < b.count, isDigit(b[e]) { e += 1 }
        }
        guard e > digits, isDigit(b[e - 1]) else { return nil }
        if e + 1 < b.count, b[e] == UInt8(ascii: "/"), isDigit(b[e + 1]) {
            e += 1
            while e < b.count, isDigit(b[e]) { e += 1 }
        }
        return s..<percentEnd(b, e)
    }

    /// Exactly three digits at `k`, then not a digit.
    static func groupOfThree(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
        k + 3 <= b.count && isDigit(b[k]) && isDigit(b[k + 1]) && isDigit(b[k + 2]) && (k + 3 == b.count || !isDigit(b[k + 3]))
    }

    /// After a number: `%`, `\%`, or the word percent/percentage/pct (after optional spaces) extends it.
    static func percentEnd(_ b: UnsafeBufferPointer<UInt8>, _ e: Int) -> Int {
        var k = e
        while k < b.count, b[k] == 32 { k += 1 }
        if k < b.count, b[k] == UInt8(ascii: "%") { return k + 1 }
        if b.has("\\%", at: k) { return k + 2 }
        for word: StaticString in ["percentage", "percent", "pct"] where b.has(word, at: k, caseless: true) {
            let end = k + word.utf8CodeUnitCount
            if end == b.count || !isLetter(b[end]) { return end }
        }
        return e
    }

    /// The last anchored number of the text.
    static func lastNumber(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> Range<Int>? {
        var k = b.count - 1
        defer { work += b.count - max(0, k) }
        while k >= 0 {
            guard isDigit(b[k]) else { k -= 1; continue }
            // The start of this token: digits joined by thousands commas, one decimal point, one `/`.
            var s = k
            var dot = false, slash = false
            while true {
                while s > 0, isDigit(b[s - 1]) { s -= 1 }
                guard s >= 2, isDigit(b[s - 2]) else { break }
                let c = b[s - 1]
                if c == Byte.comma, groupOfThree(b, s) { s -= 1; continue }
                if c == Byte.dot, !dot { dot = true; s -= 1; continue }
                if c == UInt8(ascii: "/"), !slash { slash = true; s -= 1; continue }
                break
            }
            if s > 0, b[s - 1] == UInt8(ascii: "-") { s -= 1 }
            if anchored(b, s), let token = numberAt(b, s) { return token }
            k = s - 1
        }
        return nil
    }

    /// Start of text, a space or `=` before `s`, optionally with `**` and a currency sign in between.
    static func anchored(_ b: UnsafeBufferPointer<UInt8>, _ s: Int) -> Bool {
        var p = s
        if p > 0, b[p - 1] == Byte.dollar, !(p > 1 && b[p - 2] == Byte.backslash) { p -= 1 }
        if p > 1, b[p - 1] == UInt8(ascii: "*"), b[p - 2] == UInt8(ascii: "*") { p -= 2 }
        return p == 0 || isSpace(b[p - 1]) || b[p - 1] == Byte.equals
    }
}

extension AnswerAnchors {
    /// The last `\frac{p}{q}` (or `\dfrac`, `\tfrac`) whose parts are plain numbers, and where it ends.
    static func lastBareFraction(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> Range<Int>? {
        var k = b.count - 6
        defer { work += b.count - max(0, k) }
        while k >= 0 {
            if b[k] == UInt8(ascii: "f"), b.has("frac{", at: k) {
                var start = k - 1
                if start >= 0, b[start] == UInt8(ascii: "d") || b[start] == UInt8(ascii: "t") { start -= 1 }
                if start >= 0, b[start] == Byte.backslash, let end = numberGroups(b, k + 4) {
                    if start > 0, b[start - 1] == UInt8(ascii: "-") { start -= 1 }
                    return start..<end
                }
            }
            k -= 1
        }
        return nil
    }

    /// `{n}{m}` of plain numbers starting at `k` (the first `{`): the index after the second `}`.
    static func numberGroups(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> Int? {
        var j = k
        for _ in 0..<2 {
            guard j < b.count, b[j] == Byte.openBrace else { return nil }
            j += 1
            if j < b.count, b[j] == UInt8(ascii: "-") { j += 1 }
            let digits = j
            while j < b.count, isDigit(b[j]) || b[j] == Byte.dot { j += 1 }
            guard j > digits, j < b.count, b[j] == Byte.closeBrace else { return nil }
            j += 1
        }
        return j
    }
}

extension AnswerAnchors {
    /// After the last word "answer" that has one within the next 50 bytes: the first math span or anchored
    /// number there ("I think the answer might be 9, perhaps 8" → 9; math-verify's answer-word pattern).
    /// One forward pass over the occurrences; closers are found through forward-only cursors.
    static func afterAnswerWord(_ b: UnsafeBufferPointer<UInt8>, work: inout Int) -> Range<Int>? {
        var display = Finder(pattern: "$$"), bracket = Finder(pattern: "\\]"), paren = Finder(pattern: "\\)")
        var dollar = Finder(pattern: "$"), newline = Finder(pattern: "\n")
        var best: Range<Int>?
        var k = 0
        while k + 6 <= b.count {
            guard lower(b[k]) == UInt8(ascii: "a"), b.has("answer", at: k, caseless: true) else { k += 1; continue }
            var j = k + 6
            let limit = min(b.count, j + 50)
            search: while j < limit {
                let c = b[j]
                if c == Byte.dollar || (c == Byte.backslash && j + 1 < b.count && (b[j + 1] == UInt8(ascii: "(") || b[j + 1] == UInt8(ascii: "["))) {
                    let double = c == Byte.dollar && j + 1 < b.count && b[j + 1] == Byte.dollar
                    let open = double || c == Byte.backslash ? 2 : 1
                    let close: Int
                    if c == Byte.dollar { close = double ? display.next(b, from: j + 2, work: &work) : dollar.next(b, from: j + 1, work: &work) }
                    else { close = b[j + 1] == UInt8(ascii: "(") ? paren.next(b, from: j + 2, work: &work) : bracket.next(b, from: j + 2, work: &work) }
                    let oneLine = c == Byte.dollar && !double || (c == Byte.backslash && b[j + 1] == UInt8(ascii: "("))
                    if close < b.count, close > j + open, !oneLine || close < newline.next(b, from: j, work: &work) {
                        best = (j + open)..<close
                        break search
                    }
                } else if isDigit(c) || (c == UInt8(ascii: "-") && j + 1 < b.count && isDigit(b[j + 1])), anchored(b, j),
                          let number = numberAt(b, j) {
                    best = number
                    break search
                }
                j += 1
            }
            work += j - k
            k += 6
        }
        work += b.count
        return best
    }
}
