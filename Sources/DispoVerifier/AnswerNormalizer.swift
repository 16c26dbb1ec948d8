// Normalisation of an extracted answer (docs/VERIFIER.md), in five linear passes over the bytes:
//   A. unwrap: last `\boxed{}` content; content of the first `$…$` pair; the last line of an `align`,
//      `aligned`, `split` or `gather` derivation, without its `&`;
//   B. tokens: drop spaces, `$`, `\left`/`\right`, `\!` `\,` `\;` `\:`, `\(` `\)` `\[` `\]`, `^\circ`, `\degree`,
//      `°`, `\displaystyle`, `\quad`, `\pmod{…}`; `\dfrac`/`\tfrac`/`\cfrac` → `\frac`; `\mbox`/`\textbf`/`\mathrm`/…
//      → `\text`; `\times`/`\cdot`/`×` → `*`; `\le`/`\ge`/`!=` spellings unified; `\vert` → `|`, `\mid` → `:`;
//      the words "and"/"or" → `,`, "percent"/"pct" → `%`; `+\infty` → `\infty`; common Unicode math (π √ − ∞ ± ∪ ∈)
//      → LaTeX;
//   C. text and units: `\text{unit}` and bare unit words, alone or run together (`squarefeet`), with a following
//      `^2`/`^3`, dropped; other `\text{…}` unwrapped (UnitWords.swift lists the units);
//   D. shorthand: `\frac12` → `\frac{1}{2}`, `\frac{270}7` → `\frac{270}{7}`, `\sqrt2` → `\sqrt{2}`,
//      `^{2}` → `^2`, `_{5}` → `_5`;
//   E. whole string: outer braces, trailing `.`, thousands separators (`1,000`, `10{,}000`, `10,\!080`) and a
//      trailing `.0`.
// Relations (`x = 5`, `x \in [2,5)`, `t \le 3`) stay whole: the comparison reads them (RelationMatch).

public enum AnswerNormalizer {
    /// The normalised form of an answer; equal strings mean equal answers.
    public static func normalize(_ answer: String) -> String {
        string(normalizeBytes(Array(answer.utf8)))
    }

    static func normalizeBytes(_ input: [UInt8]) -> [UInt8] {
        var b = unwrap(input)
        b = tokens(b)
        b = textAndUnits(b)
        b = shorthand(b)
        return finish(b)
    }

    // MARK: A. unwrap

    static func unwrap(_ input: [UInt8]) -> [UInt8] {
        var b = input
        if let range = b.withUnsafeBufferPointer({ Boxed.lastRange(in: $0) }) { b = Array(b[range]) }
        if let first = unescapedDollar(b, from: 0) {
            var open = first
            while open < b.count, b[open] == Byte.dollar { open += 1 }
            if let close = unescapedDollar(b, from: open), close > open { b = Array(b[open..<close]) }
        }
        return lastAlignedLine(b)
    }

    /// `\begin{align*} a &= b \\ &= c \end{align*}` → ` &= c` less the `&`: a derivation's last line.
    static func lastAlignedLine(_ b: [UInt8]) -> [UInt8] {
        guard let begin = b.indices.first(where: { b.has("\\begin{", at: $0) }) else { return b }
        let nameStart = begin + 7
        guard let nameEnd = b[nameStart...].firstIndex(of: Byte.closeBrace) else { return b }
        let name = string(b[nameStart..<nameEnd])
        guard ["align", "align*", "aligned", "eqnarray", "eqnarray*", "split", "gather", "gather*", "gathered"].contains(name)
        else { return b }
        let endTag = Array("\\end{\(name)}".utf8)
        var stop = b.count
        for k in stride(from: b.count - endTag.count, to: nameEnd, by: -1) where b[k...].starts(with: endTag) { stop = k; break }
        var lines = [ArraySlice<UInt8>]()
        var lineStart = nameEnd + 1, k = nameEnd + 1
        while k < stop {
            if b[k] == Byte.backslash, k + 1 < stop, b[k + 1] == Byte.backslash {
                lines.append(b[lineStart..<k])
                k += 2
                lineStart = k
                continue
            }
            k += b[k] == Byte.backslash ? 2 : 1
        }
        lines.append(b[lineStart..<min(stop, b.count)])
        guard let last = lines.last(where: { !$0.allSatisfy(isSpace) }) else { return b }
        return last.filter { $0 != UInt8(ascii: "&") }
    }

    private static func unescapedDollar(_ b: [UInt8], from: Int) -> Int? {
        var i = from
        while i < b.count {
            if b[i] == Byte.backslash { i += 2; continue }
            if b[i] == Byte.dollar { return i }
            i += 1
        }
        return nil
    }

    // MARK: B. tokens

    static func tokens(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let c = b[i]
            if isSpace(c) || c == Byte.dollar || c == UInt8(ascii: "\"") { i += 1; continue }
            if c == Byte.backslash { i = command(b, at: i, into: &out); continue }
            if c >= 0x80 { i = unicode(b, at: i, into: &out); continue }
            if isLetter(c), i == 0 || !isLetter(b[i - 1]) { i = word(b, at: i, into: &out); continue }
            if c == UInt8(ascii: "!"), i + 1 < b.count, b[i + 1] == Byte.equals {   // `x != 3`; `5! = 120` has a space
                out.append(contentsOf: "\\ne".utf8)
                i += 2
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    /// A word at `i`: "and"/"or" between items become a comma (`x=1 or x=2`), "percent", "percentage" and
    /// "pct" the percent sign; other letters are copied.
    private static func word(_ b: [UInt8], at i: Int, into out: inout [UInt8]) -> Int {
        let end = b.letterRunEnd(from: i)
        let run = b[i..<end]
        if run.elementsEqual("and".utf8) || run.elementsEqual("or".utf8) {
            if !out.isEmpty, out.last != Byte.comma { out.append(Byte.comma) }
            return end
        }
        let lowered = run.map(lower)
        if lowered.elementsEqual("percent".utf8) || lowered.elementsEqual("percentage".utf8) || lowered.elementsEqual("pct".utf8) {
            out.append(UInt8(ascii: "%"))
            return end
        }
        out.append(contentsOf: run)
        return end
    }

    /// Rewrites the command at `i` into `out`; returns the index after it.
    private static func command(_ b: [UInt8], at i: Int, into out: inout [UInt8]) -> Int {
        guard i + 1 < b.count else { return i + 1 }
        let next = b[i + 1]
        if !isLetter(next) {
            switch next {
            case UInt8(ascii: "!"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), 32,
                 UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), Byte.dollar: break
            case UInt8(ascii: "%"): out.append(next)
            default: out.append(Byte.backslash); out.append(next)
            }
            return i + 2
        }
        let end = b.letterRunEnd(from: i + 1)
        let name = string(b[(i + 1)..<end])
        var emitted = true
        switch name {
        case "left", "right", "bigl", "bigr", "Bigl", "Bigr":
            return end < b.count && b[end] == Byte.dot ? end + 1 : end
        case "dfrac", "tfrac", "cfrac": out.append(contentsOf: "\\frac".utf8)
        case "dbinom", "tbinom": out.append(contentsOf: "\\binom".utf8)
        case "vert", "lvert", "rvert": out.append(UInt8(ascii: "|")); emitted = false
        case "mid": out.append(Byte.colon); emitted = false
        case "displaystyle", "textstyle", "quad", "qquad", "dots", "ldots", "cdots", "limits":
            emitted = false
        case "mbox", "textbf", "mathrm", "mathbf", "textit", "mathit", "textrm", "boldsymbol", "textnormal",
             "texttt", "mathsf", "hbox", "textup":
            out.append(contentsOf: "\\text".utf8)
        case "circ", "degree":
            if out.last == Byte.openBrace, out.count >= 2, out[out.count - 2] == Byte.caret,
               end < b.count, b[end] == Byte.closeBrace {
                out.removeLast(2)
                return end + 1
            }
            if out.last == Byte.caret { out.removeLast() }
            return end
        case "cdot", "times": out.append(UInt8(ascii: "*")); emitted = false
        case "pmod":   // `\equiv 3 \pmod{7}`: the modulus is not part of the value
            var j = end
            while j < b.count, isSpace(b[j]) { j += 1 }
            if j < b.count, b[j] == Byte.openBrace, let close = b[j...].firstIndex(of: Byte.closeBrace) { return close + 1 }
            while j < b.count, isDigit(b[j]) || isLetter(b[j]) { j += 1 }
            return j
        case "div": out.append(UInt8(ascii: "/")); emitted = false
        case "leq", "leqslant": out.append(contentsOf: "\\le".utf8)
        case "geq", "geqslant": out.append(contentsOf: "\\ge".utf8)
        case "neq": out.append(contentsOf: "\\ne".utf8)
        case "lbrace": out.append(contentsOf: "\\{".utf8); emitted = false
        case "rbrace": out.append(contentsOf: "\\}".utf8); emitted = false
        case "inf", "infty":
            // `(0,+\infty)`: a plus sign before infinity says nothing
            if out.last == UInt8(ascii: "+"), out.count == 1 || [UInt8(ascii: "("), UInt8(ascii: "["), Byte.comma].contains(out[out.count - 2]) {
                out.removeLast()
            }
            out.append(contentsOf: "\\infty".utf8)
        default:
            out.append(Byte.backslash)
            out.append(contentsOf: b[(i + 1)..<end])
        }
        if emitted { separate(b, from: end, out: &out) }
        return end
    }

    /// Spaces are dropped, but `\pi r` must not become the unknown command `\pir`: keep one space.
    private static func separate(_ b: [UInt8], from: Int, out: inout [UInt8]) {
        var j = from
        while j < b.count, isSpace(b[j]) { j += 1 }
        if j < b.count, isLetter(b[j]), let last = out.last, isLetter(last) { out.append(32) }
    }

    private static func unicode(_ b: [UInt8], at i: Int, into out: inout [UInt8]) -> Int {
        let table: [([UInt8], String)] = unicodeTable
        for (bytes, replacement) in table where b.count - i >= bytes.count {
            var same = true
            for k in 0..<bytes.count where b[i + k] != bytes[k] { same = false; break }
            guard same else { continue }
            out.append(contentsOf: replacement.utf8)
            if replacement.hasPrefix("\\") { separate(b, from: i + bytes.count, out: &out) }
            return i + bytes.count
        }
        out.append(b[i])
        return i + 1
    }

    private static let unicodeTable: [([UInt8], String)] = [
        ("π", "\\pi"), ("√", "\\sqrt"), ("−", "-"), ("–", "-"), ("×", "*"), ("⋅", "*"), ("·", "*"), ("÷", "/"),
        ("∞", "\\infty"), ("°", ""), ("≤", "\\le"), ("≥", "\\ge"), ("≠", "\\ne"), ("∪", "\\cup"), ("∩", "\\cap"),
        ("∈", "\\in"), ("±", "\\pm"), ("\u{00A0}", ""), ("\u{2009}", ""), ("\u{202F}", ""),
    ].map { (Array($0.0.utf8), $0.1) }
}
