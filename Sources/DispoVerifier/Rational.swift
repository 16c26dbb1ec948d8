// Exact rational numbers with 64-bit numerator and denominator, for the symbolic comparison of constant
// answers (`\frac{6}{8}` = 0.75 exactly, `2^{-1}` = `\frac12`). Every operation checks for overflow and
// returns nil instead, so the caller falls back to floating point: never a trap, never a wrong exact answer.

import Foundation

struct Rational: Equatable, Hashable, Sendable {
    /// Sign lives in the numerator; the denominator is positive; gcd(num, den) = 1.
    let num: Int64
    let den: Int64

    init?(_ num: Int64, _ den: Int64 = 1) {
        guard den != 0, num != .min, den != .min else { return nil }
        let g = Rational.gcd(num.magnitude, den.magnitude)
        let sign: Int64 = den < 0 ? -1 : 1
        self.num = sign * num / Int64(g)
        self.den = sign * den / Int64(g)
    }

    static let zero = Rational(integer: 0)
    static let one = Rational(integer: 1)

    /// An integer other than Int64.min (so never nil, unlike `init?(_:_:)`).
    private init(integer: Int64) {
        num = integer
        den = 1
    }

    var isInteger: Bool { den == 1 }
    var double: Double { Double(num) / Double(den) }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x == 0 ? 1 : x
    }

    static func + (a: Rational, b: Rational) -> Rational? {
        // a/b + c/d = (a·(d/g) + c·(b/g)) / (b/g·d), g = gcd(b, d)
        let g = Int64(gcd(a.den.magnitude, b.den.magnitude))
        let (x, o1) = a.num.multipliedReportingOverflow(by: b.den / g)
        let (y, o2) = b.num.multipliedReportingOverflow(by: a.den / g)
        let (n, o3) = x.addingReportingOverflow(y)
        let (d, o4) = (a.den / g).multipliedReportingOverflow(by: b.den)
        guard !(o1 || o2 || o3 || o4) else { return nil }
        return Rational(n, d)
    }

    static prefix func - (a: Rational) -> Rational? { Rational(-a.num, a.den) }

    static func - (a: Rational, b: Rational) -> Rational? { (-b).flatMap { a + $0 } }

    static func * (a: Rational, b: Rational) -> Rational? {
        let g1 = Int64(gcd(a.num.magnitude, b.den.magnitude)), g2 = Int64(gcd(b.num.magnitude, a.den.magnitude))
        let (n, o1) = (a.num / g1).multipliedReportingOverflow(by: b.num / g2)
        let (d, o2) = (a.den / g2).multipliedReportingOverflow(by: b.den / g1)
        guard !(o1 || o2) else { return nil }
        return Rational(n, d)
    }

    var reciprocal: Rational? { num == 0 ? nil : Rational(den, num) }

    static func / (a: Rational, b: Rational) -> Rational? { b.reciprocal.flatMap { a * $0 } }

    /// a^k for an integer exponent |k| ≤ 256 (larger exponents overflow any non-trivial base anyway).
    func power(_ k: Int64) -> Rational? {
        guard k.magnitude <= 256 else { return (num.magnitude == 1 && den == 1) ? power(k % 2) : nil }
        var result = Rational.one
        var base = k < 0 ? reciprocal : self
        var e = k.magnitude
        while e > 0 {
            guard let b = base else { return nil }
            if e & 1 == 1 { guard let r = result * b else { return nil }; result = r }
            e >>= 1
            if e > 0 { base = b * b }
        }
        return result
    }

    /// The exact k-th root when numerator and denominator are perfect k-th powers (k ≤ 64), else nil.
    func root(_ k: Int64) -> Rational? {
        guard k >= 1, k <= 64 else { return nil }
        if k == 1 { return self }
        guard num >= 0 || k % 2 == 1 else { return nil }
        guard let n = Rational.integerRoot(num.magnitude, k), let d = Rational.integerRoot(den.magnitude, k) else { return nil }
        return Rational(num < 0 ? -Int64(n) : Int64(n), Int64(d))
    }

    /// The integer r with r^k = x, if there is one.
    static func integerRoot(_ x: UInt64, _ k: Int64) -> UInt64? {
        if x < 2 { return x }
        let guess = UInt64(Foundation.pow(Double(x), 1 / Double(k)).rounded())   // < 2^32 for k ≥ 2
        for r in [guess &- 1, guess, guess &+ 1] where r > 0 {
            var p: UInt64 = 1
            var overflow = false
            for _ in 0..<k {
                let (q, o) = p.multipliedReportingOverflow(by: r)
                if o { overflow = true; break }
                p = q
            }
            if !overflow && p == x { return r }
        }
        return nil
    }

    /// Rounded to `places` decimals (half away from zero), exactly; nil on overflow.
    func rounded(places: Int) -> Rational? {
        guard let scale = Rational(10)?.power(Int64(places)), let scaled = self * scale else { return nil }
        let q = scaled.num / scaled.den, r = scaled.num % scaled.den
        let up = 2 * r.magnitude >= scaled.den.magnitude
        let n = up ? (scaled.num < 0 ? q - 1 : q + 1) : q
        return Rational(n).flatMap { $0 / scale }
    }
}
