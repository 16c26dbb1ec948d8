// LaTeX math spans in a response: `$…$` and `\(…\)` (one line), `$$…$$` and `\[…\]` (may span lines), as
// math-verify delimits them (`\$` is an escaped dollar; an inline `$` right after a digit does not open).
// One forward scan: each opener looks for its closer through a cursor per closer kind that only moves
// forward, so the whole scan is linear however many openers stay unclosed.

struct MathSpan: Equatable {
    /// From the opening delimiter to just after the closing one.
    var outer: Range<Int>
    var content: Range<Int>
}

enum MathSpans {
    /// The last `keep` spans of the text, in order.
    static func scan(_ b: UnsafeBufferPointer<UInt8>, keep: Int = 8, work: inout Int) -> [MathSpan] {
        var spans: [MathSpan] = []
        var display = Finder(pattern: "$$"), bracket = Finder(pattern: "\\]"), paren = Finder(pattern: "\\)")
        var dollar = Finder(pattern: "$"), newline = Finder(pattern: "\n")
        var i = 0
        func record(_ span: MathSpan) {
            if spans.count == keep { spans.removeFirst() }
            spans.append(span)
        }
        while i < b.count {
            let c = b[i]
            if c == Byte.backslash, i + 1 < b.count {
                let next = b[i + 1]
                if next == UInt8(ascii: "(") || next == UInt8(ascii: "[") {
                    let inline = next == UInt8(ascii: "(")
                    let close = inline ? paren.next(b, from: i + 2, work: &work) : bracket.next(b, from: i + 2, work: &work)
                    if close < b.count, !inline || close < newline.next(b, from: i + 2, work: &work), close > i + 2 {
                        record(MathSpan(outer: i..<(close + 2), content: (i + 2)..<close))
                        i = close + 2
                        continue
                    }
                }
                i += 2
                continue
            }
            if c == Byte.dollar {
                if i + 1 < b.count, b[i + 1] == Byte.dollar {
                    let close = display.next(b, from: i + 2, work: &work)
                    if close < b.count, close > i + 2 {
                        record(MathSpan(outer: i..<(close + 2), content: (i + 2)..<close))
                        i = close + 2
                        continue
                    }
                    i += 2
                    continue
                }
                if i == 0 || !isDigit(b[i - 1]) {
                    let close = dollar.next(b, from: i + 1, work: &work)
                    if close < b.count, close > i + 1, close < newline.next(b, from: i + 1, work: &work) {
                        record(MathSpan(outer: i..<(close + 1), content: (i + 1)..<close))
                        i = close + 1
                        continue
                    }
                }
            }
            i += 1
        }
        work += b.count
        return spans
    }

    /// The last span together with the spans before it that it is listed with (`$a$, $b$ and $c$`,
    /// up to 6): their contents joined by commas, and where the group ends.
    static func lastGroup(_ b: UnsafeBufferPointer<UInt8>, spans: [MathSpan]) -> (text: String, end: Int, start: Int)? {
        guard var k = spans.indices.last else { return nil }
        let last = k
        while k > 0, last - k < 5, isListSeparator(b, spans[k - 1].outer.upperBound..<spans[k].outer.lowerBound) { k -= 1 }
        let text = spans[k...last].map { string(b[$0.content]) }.joined(separator: ",")
        return (text, spans[last].outer.upperBound, spans[k].outer.lowerBound)
    }

    /// Between two spans of a list, as math-verify joins them: spaces around one of `,`, `and`, `or`,
    /// `,and`, `,or` (so "$a$, and $b$" or "$a$, so $b$" are two statements, not a list).
    static func isListSeparator(_ b: UnsafeBufferPointer<UInt8>, _ gap: Range<Int>) -> Bool {
        guard gap.count <= 12 else { return false }
        let core = b[gap].drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return [",", "and", "or", ",and", ",or"].contains { core.elementsEqual($0.utf8) }
    }
}

/// The next occurrence of a pattern at or after a position, remembered so that repeated queries with
/// increasing positions scan each byte at most once; `b.count` when there is none.
struct Finder {
    let pattern: [UInt8]
    var found = -1   // the last answer, valid for queries at positions ≤ found

    init(pattern: StaticString) { self.pattern = Array(UnsafeBufferPointer(start: pattern.utf8Start, count: pattern.utf8CodeUnitCount)) }

    mutating func next(_ b: UnsafeBufferPointer<UInt8>, from position: Int, work: inout Int) -> Int {
        if found >= position { return found }
        var k = max(position, found + 1)
        let start = k
        defer { work += k - start }
        while k + pattern.count <= b.count {
            if b[k] == pattern[0], pattern.count == 1 || b[k + 1] == pattern[1], isUnescaped(b, k) {
                found = k
                return k
            }
            k += 1
        }
        found = b.count
        return b.count
    }

    /// A `$` written `\$` is text; other patterns start with their own backslash.
    private func isUnescaped(_ b: UnsafeBufferPointer<UInt8>, _ k: Int) -> Bool {
        pattern[0] != Byte.dollar || k == 0 || b[k - 1] != Byte.backslash
    }
}
