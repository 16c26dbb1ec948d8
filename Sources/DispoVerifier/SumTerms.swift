// Order-free sums: `x+2n+1` equals `x+1+2n`, `1+x^2` equals `x^2+1` (the reference graders get this from
// a computer algebra system; we only reorder top-level terms, which is always sound). A normalised answer
// is split at top-level `+`/`-` that follow an operand (not `^-1`, `(-2`, `e^{-x}`); each term keeps its sign;
// the two multisets of terms must match term for term (same text, or the same number). One linear scan.

enum SumTerms {
    static let maxTerms = 64

    /// True when both answers are sums of the same signed terms in some order (and at least one has two terms).
    static func equal(_ a: [UInt8], _ g: [UInt8]) -> Bool {
        guard let x = terms(a), let y = terms(g), x.count == y.count, x.count >= 2 else { return false }
        var used = [Bool](repeating: false, count: y.count)
        for term in x {
            guard let k = y.indices.first(where: { !used[$0] && same(term, y[$0]) }) else { return false }
            used[k] = true
        }
        return true
    }

    static func same(_ a: (negative: Bool, text: ArraySlice<UInt8>), _ b: (negative: Bool, text: ArraySlice<UInt8>)) -> Bool {
        guard a.negative == b.negative else { return false }
        if a.text.elementsEqual(b.text) { return true }
        guard let u = NumericValue.parse(Array(a.text)), let v = NumericValue.parse(Array(b.text)) else { return false }
        return u.matches(v)
    }

    /// The signed top-level terms, or nil for relations, lists and `\pm` (not plain sums).
    static func terms(_ s: [UInt8]) -> [(negative: Bool, text: ArraySlice<UInt8>)]? {
        var result: [(negative: Bool, text: ArraySlice<UInt8>)] = []
        var depth = 0
        var start = 0
        var negative = false
        var i = 0
        if s.first == UInt8(ascii: "-") || s.first == UInt8(ascii: "+") { negative = s.first == UInt8(ascii: "-"); start = 1; i = 1 }
        while i < s.count {
            let c = s[i]
            switch c {
            case UInt8(ascii: "("), UInt8(ascii: "["), Byte.openBrace: depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"), Byte.closeBrace: depth -= 1
            case Byte.equals, Byte.comma, UInt8(ascii: "<"), UInt8(ascii: ">"): if depth == 0 { return nil }
            case Byte.backslash:
                if depth == 0, s.has("\\pm", at: i) || s.has("\\le", at: i) || s.has("\\ge", at: i) || s.has("\\ne", at: i) {
                    return nil
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let previous = s[i - 1]
                if depth == 0, !"^_*/+-([{".utf8.contains(previous) {
                    guard i > start, result.count < maxTerms else { return nil }
                    result.append((negative, s[start..<i]))
                    negative = c == UInt8(ascii: "-")
                    start = i + 1
                }
            default: break
            }
            i += 1
        }
        guard start < s.count else { return nil }
        result.append((negative, s[start..<s.count]))
        return result
    }
}
