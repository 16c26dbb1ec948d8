// Equality of two expressions as functions (`\csc^2 t` ≡ `1 + \cot^2 t`, `\sqrt{12}` ≡ `2\sqrt 3`,
// `(x+1)^2` ≡ `x^2 + 2x + 1`).
//   - Constants: exactly, when both sides are rationals (`\frac{6}{8}` = `0.75` only through the decimal rule
//     below); a side that is a decimal literal matches a value that rounds to the same 6 decimals (or agrees
//     to 1e-6 relative), as math-verify rounds floats; other constants agree to 1e-9 relative in complex
//     double precision (π, radicals, logarithms).
//   - With variables: both sides are evaluated at 6 fixed pseudo-random points, each variable (matched by name)
//     drawn from ±[0.35, 2.85]; they are equal when they agree to 1e-8 relative wherever both are defined, are
//     undefined at the same points, and are defined at ≥ 3 of them. A polynomial identity test: an
//     expression that is not identically equal agrees at such points only by coincidence.
// Limits: answers equal only on a domain narrower than those points (`\ln(xy)` vs `\ln x + \ln y` for
// negative x, y) count as different, as they do for a computer algebra system over the reals; functions
// outside the language (see MathExpression.swift) are not compared.

import DispoSupport

enum SymbolicEquivalence {
    static let pointCount = 6
    static let minDefinedPoints = 3

    /// Fixed evaluation points: `table[p][j]` for point p and the j-th variable in name order (up to 16).
    static let table: [[Double]] = {
        var rng = SplitMix64(seed: 0x5eed_d15b0)
        return (0..<pointCount).map { _ in
            (0..<16).map { _ in
                let magnitude = 0.35 + 2.5 * Double(rng.next() >> 11) / Double(1 << 53)
                return rng.next() & 1 == 0 ? magnitude : -magnitude
            }
        }
    }()

    static func equal(_ a: MathExpression, _ b: MathExpression) -> Bool {
        let names = Array(Set(a.symbols + b.symbols)).sorted()
        guard names.count <= 16 else { return false }
        if names.isEmpty { return constantsEqual(a, b) }
        let aIndex = a.symbols.map { names.firstIndex(of: $0) ?? 0 }
        let bIndex = b.symbols.map { names.firstIndex(of: $0) ?? 0 }
        var defined = 0
        for row in table {
            let x = a.evaluate(at: aIndex.map { Complex(row[$0]) })
            let y = b.evaluate(at: bIndex.map { Complex(row[$0]) })
            switch (x.isFinite, y.isFinite) {
            case (false, false): continue
            case (true, true): guard x.close(to: y, tolerance: 1e-8) else { return false }
            default: return false
            }
            defined += 1
        }
        return defined >= minDefinedPoints
    }

    /// `a = c·b` for one constant c ≠ 0 at every point (equations `a = 0` and `b = 0` with the same solutions).
    static func proportional(_ a: MathExpression, _ b: MathExpression) -> Bool {
        let names = Array(Set(a.symbols + b.symbols)).sorted()
        guard names.count <= 16 else { return false }
        let aIndex = a.symbols.map { names.firstIndex(of: $0) ?? 0 }
        let bIndex = b.symbols.map { names.firstIndex(of: $0) ?? 0 }
        var ratio: Complex?
        var defined = 0
        for row in table {
            let x = a.evaluate(at: aIndex.map { Complex(row[$0]) })
            let y = b.evaluate(at: bIndex.map { Complex(row[$0]) })
            guard x.isFinite, y.isFinite else {
                if x.isFinite != y.isFinite { return false }
                continue
            }
            defined += 1
            if y.magnitude < 1e-12 || x.magnitude < 1e-12 {
                guard y.magnitude < 1e-12, x.magnitude < 1e-12 else { return false }
                continue
            }
            let r = x / y
            if let ratio { guard r.close(to: ratio, tolerance: 1e-8) else { return false } } else { ratio = r }
        }
        return defined >= minDefinedPoints
    }

    static func constantsEqual(_ a: MathExpression, _ b: MathExpression) -> Bool {
        let exactA = a.exactValue(), exactB = b.exactValue()
        if a.isDecimalLiteral || b.isDecimalLiteral {
            if let x = exactA, let y = exactB, let rx = x.rounded(places: 6), let ry = y.rounded(places: 6) {
                return rx == ry || NumericValue.close(x.double, y.double)
            }
            let x = a.evaluate(at: []), y = b.evaluate(at: [])
            guard x.isFinite, y.isFinite, x.isReal, y.isReal else { return false }
            return roundedEqual(x.re, y.re) || NumericValue.close(x.re, y.re)
        }
        if let x = exactA, let y = exactB { return x == y }
        let x = a.evaluate(at: []), y = b.evaluate(at: [])
        return x.isFinite && y.isFinite && x.close(to: y, tolerance: 1e-9)
    }

    /// Equal when rounded to 6 decimals (in doubles, for values beyond exact rationals).
    static func roundedEqual(_ x: Double, _ y: Double) -> Bool {
        guard abs(x) < 1e9, abs(y) < 1e9 else { return false }
        return (x * 1e6).rounded() == (y * 1e6).rounded()
    }
}
