// Structured answers, compared element by element after normalisation: tuples and intervals
// (`(3, \frac{\pi}{2})`, `(3,4]` — the bracket at each end must agree), unions of intervals (order-free),
// sets `\{…\}` and bare comma lists (order-free; `1\pm\sqrt{5}` counts as its two values), matrices
// (`\begin{pmatrix} a \\ b \end{pmatrix}`, row by row), and multiple-choice letters (`(B)`, `B`,
// `\textbf{(B)}`, `(B) 27`). Top-level splitting is one scan with a nesting counter; at most
// `maxElements` elements are compared (order-free matching is quadratic in that small number).

enum StructuredAnswer {
    static let maxElements = 64

    enum Shape: Equatable {
        case ordered(open: UInt8, close: UInt8, [ArraySlice<UInt8>])    // tuple or interval
        case unordered([ArraySlice<UInt8>])                             // set or bare list
        case union([ArraySlice<UInt8>])                                 // intervals joined by \cup
        case matrix([[ArraySlice<UInt8>]])
    }

    /// Compares two normalised answers structurally; the reason names the structure that matched.
    /// `work` counts element comparisons (each costs what comparing the two elements costs).
    static func compare(_ answer: [UInt8], _ gold: [UInt8], depth: Int, work: inout Int) -> String? {
        func same(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool { elementsEqual(a, b, depth: depth, work: &work) }
        func inOrder(_ a: [ArraySlice<UInt8>], _ b: [ArraySlice<UInt8>]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        }
        if let g = choiceLetter(gold, strict: true), let a = choiceLetter(answer, strict: false) {
            return g == a ? "match: choice" : nil
        }
        let gs = shape(gold), ans = shape(answer)
        switch (ans, gs) {
        case let (.ordered(ao, ac, a)?, .ordered(go, gc, g)?):
            guard ao == go, ac == gc, inOrder(a, g) else { return nil }
            return go == UInt8(ascii: "(") && gc == UInt8(ascii: ")") ? "match: tuple" : "match: interval"
        case let (.unordered(a)?, .ordered(go, gc, g)?) where go == UInt8(ascii: "(") && gc == UInt8(ascii: ")"):
            return inOrder(a, g) ? "match: tuple" : nil
        case let (.unordered(a)?, .unordered(g)?):
            return sameMembers(a, g, depth: depth, work: &work) ? "match: set" : nil
        case let (.union(a)?, .union(g)?):
            return sameMembers(a, g, depth: depth, work: &work) ? "match: interval" : nil
        case let (.matrix(m)?, .ordered(_, _, t)?), let (.ordered(_, _, t)?, .matrix(m)?):
            // A one-column or one-row matrix is a vector: `\begin{pmatrix}1\\2\end{pmatrix}` = `(1,2)`.
            let vector = m.allSatisfy { $0.count == 1 } ? m.map { $0[0] } : (m.count == 1 ? m[0] : [])
            return inOrder(vector, t) ? "match: matrix" : nil
        case let (.matrix(a)?, .matrix(g)?):
            guard a.count == g.count, zip(a, g).allSatisfy({ inOrder($0, $1) }) else { return nil }
            return "match: matrix"
        case let (.unordered(a)?, nil):
            // `2, 2` (a double root listed twice) is the set {2}.
            return sameMembers(a, [gold[...]], depth: depth, work: &work) ? "match: set" : nil
        case let (nil, .unordered(g)?):
            return sameMembers([answer[...]], g, depth: depth, work: &work) ? "match: set" : nil
        default:
            return nil
        }
    }

    /// Equal elements: same bytes, same number (a percentage is its number here), or equivalent one level
    /// down (any of the verifier's tests, to `MathVerifier.maxDepth` levels).
    static func elementsEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>, depth: Int, work: inout Int) -> Bool {
        work += a.count + b.count
        if a.elementsEqual(b) { return true }
        let x = Array(a), y = Array(b)
        if let u = NumericValue.parse(x), let v = NumericValue.parse(y) { return u.value == v.value || NumericValue.close(u.value, v.value) }
        return MathVerifier.equivalent(x, y, depth: depth + 1, work: &work) != nil
    }

    /// Set equality of two element lists: every element of each has an equal one in the other (so repeats
    /// do not count, as in a set). Equal lists are checked first in order, the common case.
    static func sameMembers(_ a: [ArraySlice<UInt8>], _ b: [ArraySlice<UInt8>], depth: Int, work: inout Int) -> Bool {
        if a.count == b.count, zip(a, b).allSatisfy({ $0.elementsEqual($1) }) { return true }
        for x in a where !b.contains(where: { elementsEqual(x, $0, depth: depth, work: &work) }) { return false }
        for y in b where !a.contains(where: { elementsEqual($0, y, depth: depth, work: &work) }) { return false }
        return true
    }

    // MARK: parsing

    static func shape(_ s: [UInt8]) -> Shape? {
        guard s.count >= 2 else { return nil }
        if s.has("\\begin{", at: 0) { return matrix(s) }
        if s.count > 8, s[0] == UInt8(ascii: "[") || s[0] == UInt8(ascii: "("), s.has("\\begin{", at: 1),
           s.last == UInt8(ascii: "]") || s.last == UInt8(ascii: ")") {
            return matrix(Array(s[1..<(s.count - 1)]))   // `\left[\begin{array}{cc}…\end{array}\right]`
        }
        let unionParts = split(s[...], separator: "\\cup")
        if unionParts.count > 1 {
            guard unionParts.count <= maxElements else { return nil }
            if unionParts.allSatisfy({ isInterval(Array($0)) }) { return .union(unionParts) }
            // `\{1,3\}\cup\{2,4\}` is the set `\{1,2,3,4\}` (math-verify's README example).
            var members: [ArraySlice<UInt8>] = []
            for part in unionParts {
                guard case .unordered(let items)? = shape(Array(part)), part.first == Byte.backslash else { return nil }
                members += items
            }
            return members.count <= maxElements ? .unordered(members) : nil
        }
        if s.has("\\{", at: 0), s.count >= 4, s[s.count - 2] == Byte.backslash, s.last == Byte.closeBrace,
           enclosed(s, openLength: 2) {
            return list(s[2..<(s.count - 2)]).map { .unordered(expandPlusMinus($0)) }
        }
        let open = s[0], close = s[s.count - 1]
        if (open == UInt8(ascii: "(") || open == UInt8(ascii: "[")), (close == UInt8(ascii: ")") || close == UInt8(ascii: "]")),
           enclosed(s, openLength: 1) {
            guard let items = list(s[1..<(s.count - 1)]), items.count >= 2 else { return nil }
            return .ordered(open: open, close: close, items)
        }
        guard let items = list(s[...]) else { return nil }
        let expanded = expandPlusMinus(items)
        return expanded.count >= 2 ? .unordered(expanded) : nil
    }

    /// The top-level comma-separated items of `s` (nil when there are too many or an item is empty).
    static func list(_ s: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
        let items = split(s, separator: ",")
        guard items.count <= maxElements, !items.contains(where: \.isEmpty) else { return nil }
        return items
    }

    /// `a\pm b` → `a+b`, `a-b` (one `\pm` per item).
    static func expandPlusMinus(_ items: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>] {
        items.flatMap { item -> [ArraySlice<UInt8>] in
            let parts = split(item, separator: "\\pm")
            guard parts.count == 2 else { return [item] }
            return [parts[0] + Array("+".utf8) + parts[1], parts[0] + Array("-".utf8) + parts[1]].map { $0[...] }
        }
    }

    /// Splits at top-level occurrences of `separator` (outside (), [], {}).
    static func split(_ s: ArraySlice<UInt8>, separator: StaticString) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = s.startIndex
        var i = s.startIndex
        let length = separator.utf8CodeUnitCount
        while i < s.endIndex {
            let c = s[i]
            if c == Byte.backslash, depth == 0, s.has(separator, at: i) { parts.append(s[start..<i]); i += length; start = i; continue }
            if c == Byte.backslash { i += 2; continue }
            if c == UInt8(ascii: "(") || c == UInt8(ascii: "[") || c == Byte.openBrace { depth += 1 }
            if c == UInt8(ascii: ")") || c == UInt8(ascii: "]") || c == Byte.closeBrace { depth -= 1 }
            if depth == 0, s.has(separator, at: i) { parts.append(s[start..<i]); i += length; start = i; continue }
            i += 1
        }
        parts.append(s[start..<s.endIndex])
        return parts
    }

    /// True when the opening delimiter at 0 closes only at the very end (so `(1,2)+(3,4)` is not a tuple).
    static func enclosed(_ s: [UInt8], openLength: Int) -> Bool {
        var depth = 0
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == Byte.backslash, i + 1 < s.count, s[i + 1] != Byte.openBrace, s[i + 1] != Byte.closeBrace { i += 2; continue }
            if c == Byte.backslash { i += 1; continue }
            if "([{".utf8.contains(c) { depth += 1 }
            if ")]}".utf8.contains(c) {
                depth -= 1
                if depth == 0, i != s.count - 1 { return false }
            }
            i += 1
        }
        return depth == 0
    }

    static func isInterval(_ s: [UInt8]) -> Bool {
        if case .ordered(_, _, let items)? = shape(s) { return items.count == 2 }
        return false
    }

    static func matrix(_ s: [UInt8]) -> Shape? {
        guard var bodyStart = s.firstIndex(of: Byte.closeBrace).map({ $0 + 1 }) else { return nil }
        if s.has("\\begin{array}{", at: 0), let spec = s[bodyStart...].firstIndex(of: Byte.closeBrace) {
            bodyStart = spec + 1   // the column specification `{cc}`
        }
        var end = s.count
        for k in stride(from: s.count - 5, through: bodyStart, by: -1) where s.has("\\end{", at: k) { end = k; break }
        let rows = split(s[bodyStart..<end], separator: "\\\\").filter { !$0.isEmpty }
        guard !rows.isEmpty, rows.count <= maxElements else { return nil }
        return .matrix(rows.map { split($0, separator: "&") })
    }

    /// `(B)`, `B` (A–E), `(B)27`, `(b)`; `strict` (the gold) accepts only the first two forms.
    static func choiceLetter(_ s: [UInt8], strict: Bool) -> UInt8? {
        if s.count == 1, s[0] >= 65, s[0] <= 69 { return s[0] }
        guard s.count >= 3, s[0] == UInt8(ascii: "("), s[2] == UInt8(ascii: ")") else { return nil }
        let letter = s[1] >= 97 ? s[1] - 32 : s[1]
        guard letter >= 65, letter <= 69, !strict || s.count == 3 else { return nil }
        return letter
    }
}
