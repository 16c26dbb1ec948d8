// Comparison of answers when either side is a relation (see Relations.swift for the rules), and the
// translation of one-variable relations and set-builder sets into intervals.

enum Decision: Equatable {
    case notApplicable
    case match(String)
    case mismatch
}

enum RelationMatch {
    static func compare(_ a: [UInt8], _ g: [UInt8], depth: Int, work: inout Int) -> Decision {
        let ra = Relation.parse(a) ?? setBuilder(a), rg = Relation.parse(g) ?? setBuilder(g)
        switch (ra, rg) {
        case (nil, nil): return .notApplicable
        case let (nil, gold?): return oneSided(relation: gold, other: a, relationIsGold: true, depth: depth, work: &work)
        case let (answer?, nil): return oneSided(relation: answer, other: g, relationIsGold: false, depth: depth, work: &work)
        case let (answer?, gold?): return bothRelations(answer, gold, depth: depth, work: &work)
        }
    }

    /// One side is a relation, the other a value or a set.
    static func oneSided(relation r: Relation, other: [UInt8], relationIsGold: Bool, depth: Int, work: inout Int) -> Decision {
        // An assignment's value answers (or is) the other side; an answer that is an equation is read as its
        // last right side (`f(1)+f(2)=3+4=7` answers 7), but a gold equation is not its right side.
        let value = r.assignment?.value ?? r.arithmeticValue ?? (!relationIsGold && r.isEquality ? r.parts.last : nil)
        if let value {
            return decide(MathVerifier.equivalent(Array(value), other, depth: depth + 1, work: &work), "relation")
        }
        if r.isInequality, let interval = asInterval(r) {
            let reason = relationIsGold ? MathVerifier.equivalent(other, interval, depth: depth + 1, work: &work)
                                        : MathVerifier.equivalent(interval, other, depth: depth + 1, work: &work)
            return decide(reason, "interval")
        }
        return .mismatch
    }

    static func decide(_ reason: String?, _ fallback: String) -> Decision {
        guard let reason else { return .mismatch }
        return .match(reason == "match: string" ? "match: \(fallback)" : reason)
    }

    static func bothRelations(_ a: Relation, _ g: Relation, depth: Int, work: inout Int) -> Decision {
        if let x = a.assignment, let y = g.assignment {
            guard x.name.elementsEqual(y.name) else { return .mismatch }
            return decide(MathVerifier.equivalent(Array(x.value), Array(y.value), depth: depth + 1, work: &work), "relation")
        }
        if a.isEquality, g.isEquality {
            guard let x = difference(a.parts[0], a.parts[a.parts.count - 1]),
                  let y = difference(g.parts[0], g.parts[g.parts.count - 1]) else { return .mismatch }
            work += (x.nodes.count + y.nodes.count) * (SymbolicEquivalence.pointCount + 1)
            return SymbolicEquivalence.proportional(x, y) ? .match("match: equation") : .mismatch
        }
        if a.isInequality != g.isInequality, let x = asInterval(a), let y = asInterval(g) {
            return decide(MathVerifier.equivalent(x, y, depth: depth + 1, work: &work), "interval")
        }
        if a.isInequality, g.isInequality {
            let x = atoms(a), y = atoms(g)
            guard x.count == y.count else { return .mismatch }
            work += 16 * (a.parts.reduce(0) { $0 + $1.count } + g.parts.reduce(0) { $0 + $1.count })
            for (p, q) in zip(x, y) where !sameInequality(p, q) { return .mismatch }
            return .match("match: inequality")
        }
        return .mismatch
    }

    /// `a < b < c` → `a < b`, `b < c`.
    static func atoms(_ r: Relation) -> [(ArraySlice<UInt8>, RelationOperator, ArraySlice<UInt8>)] {
        r.ops.indices.map { (r.parts[$0], r.ops[$0], r.parts[$0 + 1]) }
    }

    /// `L op R` as `d op' 0` with op' one of <, ≤, ≠: equal when op' agrees and the d agree (either sign for ≠).
    static func sameInequality(_ p: (ArraySlice<UInt8>, RelationOperator, ArraySlice<UInt8>),
                               _ q: (ArraySlice<UInt8>, RelationOperator, ArraySlice<UInt8>)) -> Bool {
        func canonical(_ t: (ArraySlice<UInt8>, RelationOperator, ArraySlice<UInt8>)) -> (MathExpression, RelationOperator)? {
            let (l, op, r) = t
            let greater = op == .gt || op == .ge
            return difference(greater ? r : l, greater ? l : r).map { ($0, greater ? op.flipped : op) }
        }
        guard let (x, opX) = canonical(p), let (y, opY) = canonical(q), opX == opY else { return false }
        if SymbolicEquivalence.equal(x, y) { return true }
        return opX == .ne && SymbolicEquivalence.equal(x, y.negated())
    }

    static func difference(_ l: ArraySlice<UInt8>, _ r: ArraySlice<UInt8>) -> MathExpression? {
        guard let x = MathExpression.parse(l), let y = MathExpression.parse(r) else { return nil }
        return x.combined(with: y, .sub)
    }

    // MARK: relations as sets

    /// The interval (or union) that a relation in one variable describes, as normalised text:
    /// `x\ge2` → `[2,\infty)`, `-1<t\le4` → `(-1,4]`, `x\ne3` → `(-\infty,3)\cup(3,\infty)`, `x\in S` → `S`.
    static func asInterval(_ r: Relation) -> [UInt8]? {
        if r.ops == [.member], isVariable(r.parts[0]) { return Array(r.parts[1]) }
        if r.parts.count == 2 {
            if isVariable(r.parts[0]), isConstant(r.parts[1]) { return ray(r.ops[0], r.parts[1]) }
            if isVariable(r.parts[1]), isConstant(r.parts[0]) { return ray(r.ops[0].flipped, r.parts[0]) }
            return nil
        }
        guard r.parts.count == 3, isVariable(r.parts[1]), isConstant(r.parts[0]), isConstant(r.parts[2]) else { return nil }
        let ascending = r.ops.allSatisfy { $0 == .lt || $0 == .le }
        let descending = r.ops.allSatisfy { $0 == .gt || $0 == .ge }
        guard ascending || descending else { return nil }
        let (lo, loOp, hi, hiOp) = ascending ? (r.parts[0], r.ops[0], r.parts[2], r.ops[1])
                                             : (r.parts[2], r.ops[1], r.parts[0], r.ops[0])
        let open = loOp == .lt || loOp == .gt ? "(" : "[", close = hiOp == .lt || hiOp == .gt ? ")" : "]"
        return Array(open.utf8) + lo + [Byte.comma] + hi + Array(close.utf8)
    }

    /// `x op c` as an interval.
    static func ray(_ op: RelationOperator, _ c: ArraySlice<UInt8>) -> [UInt8]? {
        let v = Array(c)
        let minus = Array("(-\\infty,".utf8), plus = Array(",\\infty)".utf8)
        switch op {
        case .lt: return minus + v + [UInt8(ascii: ")")]
        case .le: return minus + v + [UInt8(ascii: "]")]
        case .gt: return [UInt8(ascii: "(")] + v + plus
        case .ge: return [UInt8(ascii: "[")] + v + plus
        case .ne: return minus + v + Array(")\\cup(".utf8) + v + plus
        default: return nil
        }
    }

    static func isVariable(_ s: ArraySlice<UInt8>) -> Bool {
        guard let e = MathExpression.parse(s), e.nodes.count == 1, e.nodes[0].op == .symbol else { return false }
        return true
    }

    static func isConstant(_ s: ArraySlice<UInt8>) -> Bool {
        guard let e = MathExpression.parse(s) else { return false }
        return !e.hasSymbols
    }

    /// `\{x\mid x>2\}`, `\{x:x>2\}`, `\{x|x>2\}`, `\{x\in\mathbb{R}\mid x>2\}`: the relation after the bar.
    static func setBuilder(_ s: [UInt8]) -> Relation? {
        guard s.count > 6, s.has("\\{", at: 0), s[s.count - 2] == Byte.backslash, s[s.count - 1] == Byte.closeBrace else { return nil }
        var k = 2
        while k < s.count - 2 {
            if s.has("\\mid", at: k) { k += 4; break }
            if s[k] == Byte.colon || s[k] == UInt8(ascii: "|") { k += 1; break }
            k += 1
        }
        guard k < s.count - 2 else { return nil }
        return Relation.parse(Array(s[k..<(s.count - 2)]))
    }
}
