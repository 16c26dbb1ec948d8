// Answers that are relations, read from normalised text: assignments (`y=7`, `(a,b)=(1,4)`, `k=1+2=3`,
// `f(x)=x^2`), memberships (`x\in[2,5)`), equations (`2x+4y-3=0`), inequalities and chains (`t\le3`,
// `-1<t<4`, `x\ne3`) and set-builder sets (`\{x\mid x>2\}`). The rules follow math-verify:
//   - an assignment answers a gold that is its value (`7` ≡ `y=7`, both ways); two assignments need the same
//     name (`x=7` ≢ `y=7`);
//   - an arithmetic chain (`2+3=5`) is its last value, and so is an answer that is any chain of equalities
//     when the gold is not a relation (`a+b=-1+5=4` answers 4), while a gold equation is not its right side
//     (`0` does not answer `5x-7y+11z+4=0`);
//   - equations are equal when their sides' differences are proportional (`x+y=5` ≡ `2x+2y=10`,
//     `2x+4y-3=0` ≡ `y=-\frac12x+\frac34`), checked at the symbolic comparison's points;
//   - inequalities are equal when they are the same relation, possibly written the other way round
//     (`t\le3` ≡ `3\ge t`, `x>5` ≡ `-x<-5`; not scaled: `x>5` ≢ `2x>10`), chains part by part;
//   - a relation in one variable against an interval or union compares as the set it describes.
// Ours: a relation answers an interval gold as well as the other way round.

enum RelationOperator: Equatable {
    case eq, lt, le, gt, ge, ne, member

    /// The operator with its sides swapped (`a < b` ⇔ `b > a`).
    var flipped: RelationOperator {
        switch self {
        case .lt: return .gt
        case .le: return .ge
        case .gt: return .lt
        case .ge: return .le
        default: return self
        }
    }
}

struct Relation {
    var parts: [ArraySlice<UInt8>]
    var ops: [RelationOperator]

    /// Splits normalised text at its top-level relation operators; nil when it has none, or when it is a
    /// top-level list (`x=2,y=3` is a list of relations, compared element by element).
    static func parse(_ s: [UInt8]) -> Relation? {
        var parts: [ArraySlice<UInt8>] = [], ops: [RelationOperator] = []
        var depth = 0, start = 0, i = 0
        while i < s.count {
            let c = s[i]
            if c == Byte.backslash, i + 1 < s.count, s[i + 1] == Byte.openBrace || s[i + 1] == Byte.closeBrace {
                depth += s[i + 1] == Byte.openBrace ? 1 : -1
                i += 2
                continue
            }
            if "([{".utf8.contains(c) { depth += 1 } else if ")]}".utf8.contains(c) { depth -= 1 }
            guard depth == 0 else { i += 1; continue }
            if c == Byte.comma { return nil }
            if let (op, length) = operatorAt(s, i) {
                parts.append(s[start..<i])
                ops.append(op)
                i += length
                start = i
                continue
            }
            i += c == Byte.backslash ? max(1, s.letterRunEnd(from: i + 1) - i) : 1
        }
        guard !ops.isEmpty else { return nil }
        parts.append(s[start..<s.count])
        guard !parts.contains(where: \.isEmpty), ops.count <= 8 else { return nil }
        return Relation(parts: parts, ops: ops)
    }

    static func operatorAt(_ s: [UInt8], _ i: Int) -> (RelationOperator, Int)? {
        let c = s[i]
        let next: UInt8? = i + 1 < s.count ? s[i + 1] : nil
        switch c {
        case Byte.equals: return (.eq, 1)
        case UInt8(ascii: "<"): return next == Byte.equals ? (.le, 2) : (.lt, 1)
        case UInt8(ascii: ">"): return next == Byte.equals ? (.ge, 2) : (.gt, 1)
        case Byte.backslash:
            let end = s.letterRunEnd(from: i + 1)
            switch string(s[(i + 1)..<end]) {
            case "le", "lt": return (s[i + 2] == UInt8(ascii: "e") ? .le : .lt, end - i)
            case "ge", "gt": return (s[i + 2] == UInt8(ascii: "e") ? .ge : .gt, end - i)
            case "ne": return (.ne, end - i)
            case "approx", "equiv": return (.eq, end - i)
            case "in": return (.member, end - i)
            default: return nil
            }
        default: return nil
        }
    }

    var isEquality: Bool { ops.allSatisfy { $0 == .eq } }
    var isInequality: Bool { ops.allSatisfy { $0 != .eq && $0 != .member } }

    /// `y=7`, `k=1+2=3`, `(a,b)=(1,4)`, `f(x)=…`, `x\in S`: a name on the left of `=` (or `\in`) only.
    var assignment: (name: ArraySlice<UInt8>, value: ArraySlice<UInt8>)? {
        guard Relation.isName(parts[0]), ops.allSatisfy({ $0 == .eq }) || (ops == [.member]) else { return nil }
        return (parts[0], parts[parts.count - 1])
    }

    /// `2+3=5`: equalities whose first side has no variable; the value is the last side.
    var arithmeticValue: ArraySlice<UInt8>? {
        guard isEquality, !Relation.hasVariable(parts[0]) else { return nil }
        return parts[parts.count - 1]
    }

    /// A variable-like name: `x`, `AB`, `a_n`, `f(x)`, `\theta`, `x_{1}`, `(a,b)` (≤ 16 bytes, no operators).
    static func isName(_ s: ArraySlice<UInt8>) -> Bool {
        guard let first = s.first, s.count <= 16, isLetter(first) || first == Byte.backslash || first == UInt8(ascii: "(")
        else { return false }
        return s.contains(where: isLetter) && s.allSatisfy {
            isLetter($0) || isDigit($0) || "_{}()\\',".utf8.contains($0)
        }
    }

    /// True when a letter outside a `\command` name occurs (a variable, not `\frac`).
    static func hasVariable(_ s: ArraySlice<UInt8>) -> Bool {
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == Byte.backslash {
                i = max(s.letterRunEnd(from: i + 1), i + 2)
                continue
            }
            if isLetter(s[i]) { return true }
            i += 1
        }
        return false
    }
}
