// Passes C, D and E of `AnswerNormalizer` (see AnswerNormalizer.swift for the whole list).
// Each pass is one forward scan; brace matching is precomputed once per pass with a stack (O(n)).

extension AnswerNormalizer {
    // MARK: C. text and units

    static func textAndUnits(_ b: [UInt8]) -> [UInt8] {
        let match = matchBraces(b)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var unwrappedCloses: [Int] = []   // closing braces of unwrapped `\text{…}`, innermost last
        var i = 0
        while i < b.count {
            let c = b[i]
            if i == unwrappedCloses.last {
                unwrappedCloses.removeLast()
                i += 1
            } else if c == Byte.backslash {
                if b.has("\\text{", at: i), match[i + 5] > i + 5 {
                    let close = Int(match[i + 5])
                    let content = b[(i + 6)..<close]
                    if UnitWords.isUnit(content, insideText: true) {
                        i = skipPower(b, from: close + 1)
                    } else if content.elementsEqual("and".utf8) {
                        out.append(Byte.comma)
                        i = close + 1
                    } else {
                        // Unwrap: drop `\text{` and its `}`, and scan the content like the rest.
                        unwrappedCloses.append(close)
                        i += 6
                    }
                    continue
                }
                let end = max(b.letterRunEnd(from: i + 1), min(i + 2, b.count))
                out.append(contentsOf: b[i..<end])
                i = end
            } else if isLetter(c) {
                let end = b.letterRunEnd(from: i)
                if end - i >= 2, UnitWords.isUnit(b[i..<end], insideText: false) {
                    i = skipPower(b, from: end)
                } else if b[i..<end].elementsEqual("infinity".utf8) || b[i..<end].elementsEqual("inf".utf8) {
                    out.append(contentsOf: "\\infty".utf8)   // the Qwen2.5-Math grader's spelling fix
                    i = end
                } else {
                    out.append(contentsOf: b[i..<end])
                    i = end
                }
            } else {
                out.append(c)
                i += 1
            }
        }
        // A unit alone ("\text{feet}") is the answer itself, not decoration.
        return out.isEmpty ? b : out
    }

    /// After a dropped unit: skip `^2`, `^3`, `^{2}`.
    private static func skipPower(_ b: [UInt8], from: Int) -> Int {
        guard from < b.count, b[from] == Byte.caret else { return from }
        if from + 1 < b.count, isDigit(b[from + 1]) { return from + 2 }
        if b.has("{2}", at: from + 1) || b.has("{3}", at: from + 1) { return from + 4 }
        return from
    }

    // MARK: D. shorthand

    static func shorthand(_ b: [UInt8]) -> [UInt8] {
        let match = matchBraces(b)
        var pending = [Int8](repeating: 0, count: b.count)   // arguments still due after this `}`
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 8)
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == Byte.backslash, b.has("\\frac", at: i), !(i + 5 < b.count && isLetter(b[i + 5])) {
                out.append(contentsOf: "\\frac".utf8)
                i = arguments(b, i + 5, 2, match, &pending, &out)
            } else if c == Byte.backslash, b.has("\\sqrt", at: i), !(i + 5 < b.count && isLetter(b[i + 5])) {
                out.append(contentsOf: "\\sqrt".utf8)
                i += 5
                if i < b.count, b[i] == UInt8(ascii: "[") {
                    var j = i
                    while j < b.count, j - i < 8, b[j] != UInt8(ascii: "]") { j += 1 }
                    if j < b.count, b[j] == UInt8(ascii: "]") { out.append(contentsOf: b[i...j]); i = j + 1 }
                }
                i = arguments(b, i, 1, match, &pending, &out)
            } else if c == Byte.closeBrace, pending[i] > 0 {
                out.append(c)
                i = arguments(b, i + 1, Int(pending[i]), match, &pending, &out)
            } else if c == Byte.caret || c == Byte.underscore, i + 3 < b.count, b[i + 1] == Byte.openBrace,
                      match[i + 1] == Int32(i + 3), b[i + 2] != Byte.backslash {
                out.append(c)
                out.append(b[i + 2])
                i += 4
            } else if c == Byte.backslash {
                let end = max(b.letterRunEnd(from: i + 1), min(i + 2, b.count))
                out.append(contentsOf: b[i..<end])
                i = end
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// Brace-wraps the next `count` macro arguments from `j` that are single tokens (`\frac12`). A braced
    /// argument is left to the main scan (so shorthand inside it is normalised too); the arguments still
    /// due after it are recorded at its closing brace. Returns where the main scan continues.
    private static func arguments(_ b: [UInt8], _ start: Int, _ count: Int, _ match: [Int32],
                                  _ pending: inout [Int8], _ out: inout [UInt8]) -> Int {
        var j = start
        var left = count
        while left > 0, j < b.count {
            if b[j] == Byte.openBrace, match[j] > j {
                pending[Int(match[j])] = Int8(left - 1)
                return j
            }
            guard b[j] != Byte.closeBrace else { return j }
            var end = j + 1
            if b[j] == Byte.backslash { end = max(b.letterRunEnd(from: j + 1), min(j + 2, b.count)) }
            out.append(Byte.openBrace)
            out.append(contentsOf: b[j..<end])
            out.append(Byte.closeBrace)
            j = end
            left -= 1
        }
        return j
    }

    // MARK: E. whole string

    static func finish(_ input: [UInt8]) -> [UInt8] {
        var b = input
        while b.last == Byte.dot || b.last == 32 || b.last == Byte.comma { b.removeLast() }
        b = outerBraces(b)
        b = thousands(b)
        return b
    }

    static func outerBraces(_ b: [UInt8]) -> [UInt8] {
        guard b.first == Byte.openBrace, b.last == Byte.closeBrace else { return b }
        let match = matchBraces(b)
        var lo = 0, hi = b.count - 1
        while lo < hi, b[lo] == Byte.openBrace, match[lo] == Int32(hi) { lo += 1; hi -= 1 }
        return lo > hi ? [] : Array(b[lo...hi])
    }

    /// `1,000` / `10{,}000` / `-1,234.5` → digits only; a trailing `.0…` goes too. Whole string only.
    static func thousands(_ input: [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(input.count)
        var i = 0
        while i < input.count {   // `{,}` → `,`
            if input.has("{,}", at: i) { b.append(Byte.comma); i += 3 } else { b.append(input[i]); i += 1 }
        }
        var start = 0
        if start < b.count, b[start] == UInt8(ascii: "-") { start += 1 }
        var intEnd = start
        while intEnd < b.count, isDigit(b[intEnd]) || b[intEnd] == Byte.comma { intEnd += 1 }
        var fracEnd = intEnd
        if fracEnd < b.count, b[fracEnd] == Byte.dot {
            fracEnd += 1
            while fracEnd < b.count, isDigit(b[fracEnd]) { fracEnd += 1 }
        }
        guard fracEnd == b.count, intEnd > start, validGrouping(b[start..<intEnd]) else { return b }
        var out = Array(b[..<start]) + b[start..<intEnd].filter { $0 != Byte.comma }
        let fraction = b[intEnd..<fracEnd]
        if !fraction.dropFirst().allSatisfy({ $0 == UInt8(ascii: "0") }) { out += fraction }
        return out
    }

    private static func validGrouping(_ s: ArraySlice<UInt8>) -> Bool {
        let groups = s.split(separator: Byte.comma, omittingEmptySubsequences: false)
        guard groups.count > 1 else { return !s.isEmpty && s.allSatisfy(isDigit) }
        guard (1...3).contains(groups[0].count) else { return false }
        return groups.dropFirst().allSatisfy { $0.count == 3 }
    }
}
