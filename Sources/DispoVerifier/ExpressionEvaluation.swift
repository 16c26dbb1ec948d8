// Values of a `MathExpression`: exactly as a rational when every step is rational (`\frac{6}{8}`, `2^{-3}`,
// `\sqrt{\frac{9}{4}}`, `\binom{6}{2}`), else in complex double precision with the variables bound to given
// values. Both are one pass over the post-order node array.

import Foundation

extension MathExpression {
    /// The exact rational value of a constant expression, or nil (a variable, π, a non-square root, overflow).
    func exactValue() -> Rational? {
        guard !nodes.isEmpty else { return nil }
        var values = [Rational?](repeating: nil, count: nodes.count)
        for (k, node) in nodes.enumerated() {
            let x = node.a >= 0 && node.op != .number && node.op != .symbol ? values[Int(node.a)] : nil
            let y = node.b >= 0 && node.op != .function ? values[Int(node.b)] : nil
            switch node.op {
            case .number: values[k] = literals[Int(node.a)].exact
            case .add: values[k] = x.flatMap { a in y.flatMap { a + $0 } }
            case .sub: values[k] = x.flatMap { a in y.flatMap { a - $0 } }
            case .mul: values[k] = x.flatMap { a in y.flatMap { a * $0 } }
            case .div: values[k] = x.flatMap { a in y.flatMap { a / $0 } }
            case .neg: values[k] = x.flatMap { -$0 }
            case .percent: values[k] = x.flatMap { a in Rational(100).flatMap { a / $0 } }
            case .pow: values[k] = x.flatMap { a in y.flatMap { Self.exactPower(a, $0) } }
            case .factorial: values[k] = x.flatMap { Self.exactFactorial($0) }
            case .binom: values[k] = x.flatMap { a in y.flatMap { Self.exactBinomial(a, $0) } }
            case .function:
                switch Function(rawValue: node.b) {
                case .sqrt?: values[k] = x.flatMap { $0.root(2) }
                case .abs?: values[k] = x.flatMap { $0.num < 0 ? -$0 : $0 }
                default: values[k] = nil
                }
            default: values[k] = nil
            }
        }
        return values[root]
    }

    static func exactPower(_ a: Rational, _ e: Rational) -> Rational? {
        guard e.den <= 64 else { return nil }
        if a == .zero { return e.num > 0 ? .zero : nil }
        return a.root(e.den).flatMap { $0.power(e.num) }
    }

    static func exactFactorial(_ n: Rational) -> Rational? {
        guard n.isInteger, n.num >= 0, n.num <= 20 else { return nil }
        return Rational((1...max(1, n.num)).reduce(Int64(1), *))
    }

    static func exactBinomial(_ n: Rational, _ k: Rational) -> Rational? {
        guard n.isInteger, k.isInteger, n.num >= 0, k.num >= 0, k.num <= n.num, n.num <= 60 else { return nil }
        var r = Rational.one
        for j in 0..<min(k.num, n.num - k.num) {
            guard let factor = Rational(n.num - j), let divisor = Rational(j + 1), let next = r * factor,
                  let divided = next / divisor else { return nil }
            r = divided
        }
        return r
    }

    /// The value with variable `k` (index into `symbols`) bound to `point[k]`.
    func evaluate(at point: [Complex]) -> Complex {
        guard !nodes.isEmpty else { return .nan }
        var values = [Complex](repeating: .nan, count: nodes.count)
        for (k, node) in nodes.enumerated() {
            let x = node.a >= 0 && node.op != .number && node.op != .symbol ? values[Int(node.a)] : .nan
            let y = node.b >= 0 && node.op != .function ? values[Int(node.b)] : .nan
            switch node.op {
            case .number: values[k] = Complex(literals[Int(node.a)].value)
            case .symbol: values[k] = Int(node.a) < point.count ? point[Int(node.a)] : .nan
            case .pi: values[k] = Complex(Double.pi)
            case .e: values[k] = Complex(M_E)
            case .imaginary: values[k] = .i
            case .add: values[k] = x + y
            case .sub: values[k] = x - y
            case .mul: values[k] = x * y
            case .div: values[k] = x / y
            case .neg: values[k] = -x
            case .percent: values[k] = x / Complex(100)
            case .pow: values[k] = x.power(y)
            case .factorial: values[k] = Self.gammaOfSuccessor(x)
            case .binom:
                values[k] = Self.gammaOfSuccessor(x) / (Self.gammaOfSuccessor(y) * Self.gammaOfSuccessor(x - y))
            case .logBase: values[k] = x.log() / y.log()
            case .function: values[k] = Self.apply(Function(rawValue: node.b), x)
            }
        }
        return values[root]
    }

    /// n! for real n (Γ(n + 1)); complex arguments are outside the language.
    static func gammaOfSuccessor(_ x: Complex) -> Complex {
        guard x.isReal, x.re > -1 || x.re != x.re.rounded() else { return .nan }
        return Complex(tgamma(x.re + 1))
    }

    static func apply(_ fn: Function?, _ x: Complex) -> Complex {
        guard let fn else { return .nan }
        switch fn {
        case .sin: return x.sin()
        case .cos: return x.cos()
        case .tan: return x.sin() / x.cos()
        case .sec: return Complex(1) / x.cos()
        case .csc: return Complex(1) / x.sin()
        case .cot: return x.cos() / x.sin()
        case .asin: return x.isReal && abs(x.re) <= 1 ? Complex(Foundation.asin(x.re)) : .nan
        case .acos: return x.isReal && abs(x.re) <= 1 ? Complex(Foundation.acos(x.re)) : .nan
        case .atan: return x.isReal ? Complex(Foundation.atan(x.re)) : .nan
        case .sinh: return (x.exp() - (-x).exp()) / Complex(2)
        case .cosh: return (x.exp() + (-x).exp()) / Complex(2)
        case .tanh: return (x.exp() - (-x).exp()) / (x.exp() + (-x).exp())
        case .ln: return x.log()
        case .log10: return x.log() / Complex(M_LN10)
        case .exp: return x.exp()
        case .sqrt: return x.squareRoot()
        case .abs: return Complex(x.magnitude)
        case .floor: return x.isReal ? Complex(x.re.rounded(.down)) : .nan
        case .ceil: return x.isReal ? Complex(x.re.rounded(.up)) : .nan
        }
    }
}

extension MathExpression {
    /// `self op other` as one expression (variables of the same name are the same variable).
    func combined(with other: MathExpression, _ op: Op) -> MathExpression? {
        guard nodes.count + other.nodes.count + 1 <= MathExpression.maxNodes else { return nil }
        var result = self
        let nodeBase = Int32(nodes.count), literalBase = Int32(literals.count)
        let symbolMap = other.symbols.map { name -> Int32 in
            if let k = result.symbols.firstIndex(of: name) { return Int32(k) }
            result.symbols.append(name)
            return Int32(result.symbols.count - 1)
        }
        result.literals += other.literals
        for var node in other.nodes {
            switch node.op {
            case .number: node.a += literalBase
            case .symbol: node.a = symbolMap[Int(node.a)]
            case .function: node.a += nodeBase
            default:
                if node.a >= 0 { node.a += nodeBase }
                if node.b >= 0 { node.b += nodeBase }
            }
            result.nodes.append(node)
        }
        result.nodes.append(Node(op: op, a: Int32(root), b: Int32(result.nodes.count - 1)))
        return result
    }

    /// `-self`.
    func negated() -> MathExpression {
        var result = self
        result.nodes.append(Node(op: .neg, a: Int32(root)))
        return result
    }
}
