// Complex numbers in double precision: the values at which the symbolic comparison evaluates expressions.
// Principal branches throughout (as a computer algebra system reads `\sqrt{-4}` = 2i, `\ln(-1)` = iπ,
// `(-8)^{1/3}`), with real arithmetic when the imaginary parts are zero so real answers keep full precision.

import Foundation

struct Complex: Equatable, Sendable {
    var re: Double
    var im: Double

    init(_ re: Double, _ im: Double = 0) {
        self.re = re
        self.im = im
    }

    static let nan = Complex(.nan, .nan)
    static let i = Complex(0, 1)

    var isReal: Bool { im == 0 }
    var isFinite: Bool { re.isFinite && im.isFinite }
    var magnitude: Double { isReal ? abs(re) : hypot(re, im) }

    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }

    static func * (a: Complex, b: Complex) -> Complex {
        if a.isReal && b.isReal { return Complex(a.re * b.re) }
        return Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }

    static func / (a: Complex, b: Complex) -> Complex {
        if a.isReal && b.isReal { return Complex(a.re / b.re) }
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }

    func exp() -> Complex {
        let m = Foundation.exp(re)
        return isReal ? Complex(m) : Complex(m * Foundation.cos(im), m * Foundation.sin(im))
    }

    /// Principal logarithm.
    func log() -> Complex {
        if isReal && re > 0 { return Complex(Foundation.log(re)) }
        return Complex(Foundation.log(magnitude), atan2(im, re))
    }

    func squareRoot() -> Complex {
        if isReal && re >= 0 { return Complex(re.squareRoot()) }
        let m = magnitude
        let r = ((m + re) / 2).squareRoot()
        let s = ((m - re) / 2).squareRoot()
        return Complex(r, im < 0 ? -s : s)
    }

    /// a^b: repeated multiplication for small integer exponents (exact signs for negative bases), else the
    /// principal value exp(b·log a).
    func power(_ b: Complex) -> Complex {
        if b.isReal, b.re == b.re.rounded(), abs(b.re) <= 64 {
            var result = Complex(1), base = self
            var k = Int(abs(b.re))
            while k > 0 {
                if k & 1 == 1 { result = result * base }
                base = base * base
                k >>= 1
            }
            return b.re < 0 ? Complex(1) / result : result
        }
        if isReal && re > 0 && b.isReal { return Complex(Foundation.pow(re, b.re)) }
        if re == 0 && im == 0 { return b.re > 0 ? Complex(0) : .nan }
        return (b * log()).exp()
    }

    func sin() -> Complex {
        isReal ? Complex(Foundation.sin(re)) : Complex(Foundation.sin(re) * cosh(im), Foundation.cos(re) * sinh(im))
    }

    func cos() -> Complex {
        isReal ? Complex(Foundation.cos(re)) : Complex(Foundation.cos(re) * cosh(im), -Foundation.sin(re) * sinh(im))
    }

    /// Values equal within `tolerance`, relative to the larger magnitude (absolute below 1).
    func close(to other: Complex, tolerance: Double) -> Bool {
        let scale = max(1, magnitude, other.magnitude)
        return abs(re - other.re) <= tolerance * scale && abs(im - other.im) <= tolerance * scale
    }
}
