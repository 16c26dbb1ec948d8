// A small expression language for normalised answers (the output of `AnswerNormalizer`): numbers (exact
// rationals when they fit), single-letter and Greek variables with subscripts, π, e, i, + − · / ^, implicit
// products, `\frac`, `\sqrt[k]{}`, `\binom`, `|…|`, `!`, `%`, and the functions sin cos tan sec csc cot, their
// inverses (`\arcsin`, `\sin^{-1}`), sinh cosh tanh, ln, log (base 10, or `\log_b`), exp, floor, ceil.
// A function takes a parenthesised or braced argument, or else the product that follows it up to the next
// operator or function (`\sin 2x \cos x` = sin(2x)·cos(x)); `\sin^2 x` = (sin x)²; a bare exponent is a digit
// run or one letter, a bare subscript one character (`\log_2 8`, spaces gone: `\log_28`).
// The tree is a flat array in post-order (children before parents), so evaluation is one loop. Parsing is
// recursive descent, linear in the input, with the node count and nesting depth capped: anything larger or
// anything outside the language (words, `\pm`, `\infty`, relations) is not an expression (nil).

struct MathExpression: Sendable {
    enum Op: UInt8, Sendable {
        case number, symbol, pi, e, imaginary
        case add, sub, mul, div, pow, neg, percent, factorial, binom, logBase, function
    }

    enum Function: Int32, Sendable {
        case sin, cos, tan, sec, csc, cot, asin, acos, atan, sinh, cosh, tanh, ln, log10, exp, sqrt, abs, floor, ceil
    }

    struct Node: Sendable {
        var op: Op
        var a: Int32 = -1    // first child, or the index of a number / symbol
        var b: Int32 = -1    // second child, or the function
    }

    struct Literal: Sendable {
        var exact: Rational?
        var value: Double
        var isDecimal: Bool
    }

    var nodes: [Node] = []
    var literals: [Literal] = []
    var symbols: [String] = []

    static let maxNodes = 512
    static let maxDepth = 64

    var root: Int { nodes.count - 1 }
    var hasSymbols: Bool { !symbols.isEmpty }
    /// True when the whole expression is one decimal literal (possibly negated), like `0.333` or `-2.5`.
    var isDecimalLiteral: Bool {
        guard let last = nodes.last else { return false }
        let leaf = last.op == .neg ? nodes[Int(last.a)] : last
        return leaf.op == .number && literals[Int(leaf.a)].isDecimal
    }

    /// Parses a whole normalised answer; nil when it is not an expression of the language.
    static func parse(_ text: ArraySlice<UInt8>) -> MathExpression? {
        guard !text.isEmpty, text.count <= MathVerifier.maxAnswerBytes else { return nil }
        return Array(text).withUnsafeBufferPointer { b -> MathExpression? in
            var p = ExpressionParser(b: b)
            guard let _ = p.sum(), p.i == b.count, !p.failed else { return nil }
            return p.expr
        }
    }
}

/// Recursive descent over the bytes of a normalised answer, building a `MathExpression`.
struct ExpressionParser {
    let b: UnsafeBufferPointer<UInt8>
    var i = 0
    var depth = 0
    var absDepth = 0
    var failed = false
    var expr = MathExpression()

    init(b: UnsafeBufferPointer<UInt8>) { self.b = b }

    typealias Op = MathExpression.Op
    typealias Fn = MathExpression.Function

    func peek(_ k: Int = 0) -> UInt8? { i + k < b.count ? b[i + k] : nil }

    /// The next byte after any spaces (the normaliser keeps one only after a command: `\sin x`).
    mutating func look() -> UInt8? {
        while i < b.count, b[i] == 32 { i += 1 }
        return i < b.count ? b[i] : nil
    }

    /// The name of the command at `i` (the letters after the backslash) and where it ends, without consuming it.
    func command() -> (name: String, end: Int)? {
        guard peek() == Byte.backslash, let c = peek(1), isLetter(c) else { return nil }
        var j = i + 1
        while j < b.count, isLetter(b[j]) { j += 1 }
        return (String(decoding: b[(i + 1)..<j], as: UTF8.self), j)
    }

    mutating func add(_ op: Op, _ a: Int32 = -1, _ b: Int32 = -1) -> Int32? {
        guard expr.nodes.count < MathExpression.maxNodes else { failed = true; return nil }
        expr.nodes.append(MathExpression.Node(op: op, a: a, b: b))
        return Int32(expr.nodes.count - 1)
    }

    mutating func nested<T>(_ body: (inout ExpressionParser) -> T?) -> T? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= MathExpression.maxDepth else { failed = true; return nil }
        return body(&self)
    }

    mutating func sum() -> Int32? {
        nested { p in
            guard var left = p.product() else { return nil }
            while let c = p.look(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
                p.i += 1
                guard let right = p.product(), let node = p.add(c == UInt8(ascii: "+") ? .add : .sub, left, right) else { return nil }
                left = node
            }
            return left
        }
    }

    mutating func product() -> Int32? {
        guard var left = unary() else { return nil }
        while let c = look() {
            if c == UInt8(ascii: "*") || c == UInt8(ascii: "/") {
                i += 1
                guard let right = unary(), let node = add(c == UInt8(ascii: "*") ? .mul : .div, left, right) else { return nil }
                left = node
            } else if startsFactor(c) {
                guard let right = postfix(), let node = add(.mul, left, right) else { return nil }
                left = node
            } else {
                break
            }
        }
        return left
    }

    /// Whether the byte can start an implicitly multiplied factor.
    mutating func startsFactor(_ c: UInt8) -> Bool {
        if isDigit(c) || isLetter(c) || c == UInt8(ascii: "(") || c == Byte.openBrace || c == Byte.dot { return true }
        if c == UInt8(ascii: "|") { return absDepth == 0 }
        guard c == Byte.backslash, let name = command()?.name else { return false }
        return !ExpressionParser.closers.contains(name)
    }

    mutating func unary() -> Int32? {
        guard let c = look(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") else { return postfix() }
        i += 1
        return nested { p in
            guard let v = p.unary() else { return nil }
            return c == UInt8(ascii: "-") ? p.add(.neg, v) : v
        }
    }

    mutating func postfix() -> Int32? {
        guard var v = primary() else { return nil }
        if look() == Byte.caret {
            i += 1
            guard let e = exponent(), let node = add(.pow, v, e) else { return nil }
            v = node
        }
        while let c = look(), c == UInt8(ascii: "!") || c == UInt8(ascii: "%") {
            i += 1
            guard let node = add(c == UInt8(ascii: "!") ? .factorial : .percent, v) else { return nil }
            v = node
        }
        return v
    }

    /// After `^`: a braced group, a digit run, one letter, a command atom, or `-` and one of those.
    mutating func exponent() -> Int32? {
        guard let c = look() else { return nil }
        if c == Byte.openBrace || c == UInt8(ascii: "(") || c == Byte.backslash { return primary() }
        if c == UInt8(ascii: "-") {
            i += 1
            return nested { p in p.exponent().flatMap { p.add(.neg, $0) } }
        }
        if isDigit(c) { return number() }
        if isLetter(c) { return letter() }
        return nil
    }

    mutating func primary() -> Int32? {
        nested { p in p.primaryBody() }
    }

    private mutating func primaryBody() -> Int32? {
        guard let c = look() else { return nil }
        if isDigit(c) || c == Byte.dot { return number() }
        if isLetter(c) { return letter() }
        switch c {
        case UInt8(ascii: "("): return group(close: UInt8(ascii: ")"))
        case Byte.openBrace: return group(close: Byte.closeBrace)
        case UInt8(ascii: "|"):
            i += 1
            absDepth += 1
            defer { absDepth -= 1 }
            guard let v = sum(), look() == UInt8(ascii: "|") else { return nil }
            i += 1
            return add(.function, v, Fn.abs.rawValue)
        case Byte.backslash: return commandAtom()
        default: return nil
        }
    }

    mutating func group(close: UInt8) -> Int32? {
        i += 1
        let savedAbs = absDepth
        absDepth = 0
        defer { absDepth = savedAbs }
        guard let v = sum(), look() == close else { return nil }
        i += 1
        return v
    }

    mutating func number() -> Int32? {
        let start = i
        while let c = look(), isDigit(c) { i += 1 }
        var fraction = 0
        if look() == Byte.dot, let d = peek(1), isDigit(d) {
            i += 1
            while let c = look(), isDigit(c) { i += 1; fraction += 1 }
        }
        guard i > start, look() != Byte.underscore else { return nil }   // `52_8` is a numeral in base 8
        let digits = b[start..<i].filter { $0 != Byte.dot }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        var exact: Rational?
        if digits.count <= 18, let n = Int64(String(decoding: digits, as: UTF8.self)) {
            exact = Rational(10).flatMap { $0.power(Int64(fraction)) }.flatMap { Rational(n, $0.num) }
        }
        expr.literals.append(.init(exact: exact, value: Double(text) ?? .nan, isDecimal: fraction > 0))
        return add(.number, Int32(expr.literals.count - 1))
    }

    /// A one-letter variable (with a subscript), `e`, or `i`; a run of three or more letters is a word, not a
    /// product of variables.
    mutating func letter() -> Int32? {
        var run = 0
        while let c = peek(run), isLetter(c) { run += 1 }
        guard run <= 2, let c = look() else { return nil }
        i += 1
        if c == UInt8(ascii: "e"), look() != Byte.underscore { return add(.e) }
        if c == UInt8(ascii: "i"), look() != Byte.underscore { return add(.imaginary) }
        return symbol(String(UnicodeScalar(c)))
    }

    /// A variable named `name`, plus a subscript (`_1`, `_{12}`, `_n`) when one follows.
    mutating func symbol(_ name: String) -> Int32? {
        var full = name
        if look() == Byte.underscore {
            i += 1
            guard let s = subscriptText() else { return nil }
            full += "_" + s
        }
        let index = expr.symbols.firstIndex(of: full) ?? {
            expr.symbols.append(full)
            return expr.symbols.count - 1
        }()
        return add(.symbol, Int32(index))
    }

    /// One character or a braced group of letters and digits.
    mutating func subscriptText() -> String? {
        guard let c = look() else { return nil }
        if c == Byte.openBrace {
            var j = i + 1
            while j < b.count, isLetter(b[j]) || isDigit(b[j]) { j += 1 }
            guard j < b.count, b[j] == Byte.closeBrace, j > i + 1 else { return nil }
            defer { i = j + 1 }
            return String(decoding: b[(i + 1)..<j], as: UTF8.self)
        }
        guard isLetter(c) || isDigit(c) else { return nil }
        i += 1
        return String(UnicodeScalar(c))
    }
}
