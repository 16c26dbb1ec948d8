// The LaTeX commands of the expression language (see MathExpression.swift): `\frac`, `\sqrt`, `\binom`,
// constants, Greek variables, floor/ceiling brackets, and functions with their argument rules.

extension ExpressionParser {
    static let closers: Set<String> = ["right", "rfloor", "rceil", "rvert", "end"]

    static let functions: [String: MathExpression.Function] = [
        "sin": .sin, "cos": .cos, "tan": .tan, "sec": .sec, "csc": .csc, "cosec": .csc, "cot": .cot, "cotan": .cot,
        "arcsin": .asin, "arccos": .acos, "arctan": .atan, "sinh": .sinh, "cosh": .cosh, "tanh": .tanh,
        "ln": .ln, "log": .log10, "lg": .log10, "exp": .exp,
    ]

    static let inverses: [MathExpression.Function: MathExpression.Function] = [.sin: .asin, .cos: .acos, .tan: .atan]

    static let greek: Set<String> = [
        "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
        "kappa", "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
        "Gamma", "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega",
    ]

    mutating func commandAtom() -> Int32? {
        guard let (name, end) = command() else { return nil }
        if let fn = ExpressionParser.functions[name] { i = end; return function(fn) }
        if ExpressionParser.greek.contains(name) { i = end; return symbol("\\" + name) }
        switch name {
        case "pi": i = end; return add(.pi)
        case "frac", "dfrac", "tfrac", "cfrac":
            i = end
            guard look() == Byte.openBrace, let n = primary(), look() == Byte.openBrace, let d = primary() else { return nil }
            return add(.div, n, d)
        case "binom", "dbinom", "tbinom":
            i = end
            guard look() == Byte.openBrace, let n = primary(), look() == Byte.openBrace, let k = primary() else { return nil }
            return add(.binom, n, k)
        case "sqrt": i = end; return root()
        case "lfloor": i = end; return bracketed(.floor, close: "\\rfloor")
        case "lceil": i = end; return bracketed(.ceil, close: "\\rceil")
        case "lvert": i = end; return bracketed(.abs, close: "\\rvert")
        default: return nil
        }
    }

    /// `\sqrt{x}` or `\sqrt[k]{x}` (= x^(1/k)).
    mutating func root() -> Int32? {
        var index: Int32?
        if look() == UInt8(ascii: "[") {
            i += 1
            guard let k = sum(), look() == UInt8(ascii: "]") else { return nil }
            i += 1
            index = k
        }
        guard look() == Byte.openBrace, let x = primary() else { return nil }
        guard let k = index else { return add(.function, x, MathExpression.Function.sqrt.rawValue) }
        guard let one = oneLiteral(), let inverse = add(.div, one, k) else { return nil }
        return add(.pow, x, inverse)
    }

    mutating func oneLiteral() -> Int32? {
        expr.literals.append(.init(exact: .one, value: 1, isDecimal: false))
        return add(.number, Int32(expr.literals.count - 1))
    }

    mutating func bracketed(_ fn: MathExpression.Function, close: StaticString) -> Int32? {
        guard let v = sum(), b.has(close, at: i) else { return nil }
        i += close.utf8CodeUnitCount
        return add(.function, v, fn.rawValue)
    }

    /// A function after its name: an optional power (`^2`; `^{-1}` means the inverse function), for `\log` an
    /// optional base (`_2`, `_{10}`), then the argument.
    mutating func function(_ given: MathExpression.Function) -> Int32? {
        var fn = given
        var power: Int32?
        var base: Int32?
        for _ in 0..<2 {
            if look() == Byte.caret {
                i += 1
                if b.has("{-1}", at: i) || b.has("-1", at: i), let inverse = ExpressionParser.inverses[fn] {
                    i += b[i] == Byte.openBrace ? 4 : 2
                    fn = inverse
                } else {
                    guard let p = exponent() else { return nil }
                    power = p
                }
            } else if look() == Byte.underscore, fn == .log10 {
                i += 1
                guard let c = look() else { return nil }
                if c == Byte.openBrace { base = primary() } else if isDigit(c) || isLetter(c) {
                    base = isDigit(c) ? singleDigit() : letter()
                }
                guard base != nil else { return nil }
            }
        }
        guard let arg = argument() else { return nil }
        let applied: Int32?
        if let base { applied = add(.logBase, arg, base) } else { applied = add(.function, arg, fn.rawValue) }
        guard let value = applied else { return nil }
        return power.flatMap { add(.pow, value, $0) } ?? value
    }

    mutating func singleDigit() -> Int32? {
        guard let c = look(), isDigit(c) else { return nil }
        i += 1
        let v = Int64(c - 48)
        expr.literals.append(.init(exact: Rational(v), value: Double(v), isDecimal: false))
        return add(.number, Int32(expr.literals.count - 1))
    }

    /// A parenthesised or braced argument, else the product of the factors that follow, up to an operator or
    /// the next function (`\sin 2x\cos x`).
    mutating func argument() -> Int32? {
        guard let c = look() else { return nil }
        if c == UInt8(ascii: "(") || c == Byte.openBrace { return primary() }
        return nested { p in
            guard var v = p.postfix() else { return nil }
            while let c = p.look(), c != UInt8(ascii: "("), p.startsFactor(c), !p.atFunction() {
                guard let f = p.postfix(), let node = p.add(.mul, v, f) else { return nil }
                v = node
            }
            return v
        }
    }

    mutating func atFunction() -> Bool {
        guard let name = command()?.name else { return false }
        return ExpressionParser.functions[name] != nil
    }
}
