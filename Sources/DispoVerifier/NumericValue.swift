// The numeric value of a normalised answer, when it is a constant: integers, decimals, `\frac{a}{b}`, `a/b`,
// mixed numbers (`1\frac{4}{5}` = 1.8), percent, `\sqrt{n}`, `\sqrt[k]{n}`, `k\sqrt{n}`, π, powers,
// `+ - * /` and implicit products (`3\pi`, `2\sqrt{3}`). Anything else (a variable, `i`, `\pm`) is not a
// number. A recursive-descent parser over bytes: linear, with the nesting depth capped so that adversarial
// input (a megabyte of `{`) fails fast instead of overflowing the stack.
//
// Grammar:  sum := product (('+'|'-') product)*
//           product := unary (('*'|'/')? unary)*        -- juxtaposition multiplies
//           unary := ('-'|'+') unary | power
//           power := atom ('^' atom)? '%'?
//           atom := number | '\pi' | '\frac' group group | '\sqrt' ('[' sum ']')? group | '(' sum ')' | group

import Foundation

public struct NumericValue: Sendable, Equatable {
    public var value: Double
    /// The value before a `%` sign divided it by 100 (`50\%` → 50), when there was one.
    public var percentOf: Double?
    /// The digits of a plain integer literal (sign kept, leading zeros dropped): integers compare exactly,
    /// so 11111111101 ≠ 11111111100 although they agree to 1e-6.
    public var integerDigits: String?

    public init(value: Double, percentOf: Double? = nil, integerDigits: String? = nil) {
        self.value = value
        self.percentOf = percentOf
        self.integerDigits = integerDigits
    }

    /// Parses a normalised answer; nil unless the whole text is a finite constant.
    public static func parse(_ normalized: String) -> NumericValue? {
        parse(Array(normalized.utf8))
    }

    static func parse(_ bytes: [UInt8]) -> NumericValue? {
        guard !bytes.isEmpty, bytes.count <= 2_000 else { return nil }
        var parser = Parser(b: bytes)
        guard let v = parser.sum(), parser.i == bytes.count, v.isFinite else { return nil }
        let percent = parser.percentCount == 1 && bytes.last == UInt8(ascii: "%") ? v * 100 : nil
        return NumericValue(value: v, percentOf: percent, integerDigits: integerDigits(bytes))
    }

    private static func integerDigits(_ b: [UInt8]) -> String? {
        let negative = b.first == UInt8(ascii: "-")
        let digits = b.dropFirst(negative ? 1 : 0)
        guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        if significant.isEmpty { return "0" }
        return (negative ? "-" : "") + String(decoding: significant, as: UTF8.self)
    }

    /// Equal within 1e-6 relative (exactly, at zero, and between two integer literals); a percentage also
    /// equals its number (50% ≡ 50 ≡ 0.5).
    public func matches(_ other: NumericValue) -> Bool {
        if let mine = integerDigits, let theirs = other.integerDigits { return mine == theirs }
        let mine = [value] + (percentOf.map { [$0] } ?? [])
        let theirs = [other.value] + (other.percentOf.map { [$0] } ?? [])
        return mine.contains { a in theirs.contains { b in NumericValue.close(a, b) } }
    }

    public static func close(_ a: Double, _ b: Double) -> Bool {
        a == b || abs(a - b) <= 1e-6 * max(abs(a), abs(b))
    }
}

private struct Parser {
    let b: [UInt8]
    var i = 0
    var depth = 0
    var percentCount = 0
    /// For mixed numbers: the last atom was an integer literal; the last `\frac` had integer parts.
    var lastAtomWasInteger = false
    var lastFracWasInteger = false
    static let maxDepth = 48

    init(b: [UInt8]) { self.b = b }

    func peek(_ off: Int = 0) -> UInt8? { i + off < b.count ? b[i + off] : nil }
    func at(_ word: StaticString) -> Bool { b.has(word, at: i) && !(i + word.utf8CodeUnitCount < b.count && isLetter(b[i + word.utf8CodeUnitCount])) }

    mutating func sum() -> Double? {
        depth += 1
        defer { depth -= 1 }
        guard depth < Parser.maxDepth, var v = product() else { return nil }
        while let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            i += 1
            guard let r = product() else { return nil }
            v = c == UInt8(ascii: "+") ? v + r : v - r
        }
        return v
    }

    mutating func product() -> Double? {
        guard var v = unary() else { return nil }
        let wasInteger = lastAtomWasInteger
        var first = true
        while let c = peek() {
            if c == UInt8(ascii: "*") || c == UInt8(ascii: "/") {
                i += 1
                guard let r = unary() else { return nil }
                v = c == UInt8(ascii: "*") ? v * r : v / r
            } else if c == Byte.backslash || c == UInt8(ascii: "(") || c == Byte.openBrace || isDigit(c) {
                // Juxtaposition; an integer followed by \frac{p}{q} of integers is a mixed number.
                let mixed = first && wasInteger && at("\\frac")
                guard let r = unary() else { return nil }
                v = mixed && lastFracWasInteger ? (v < 0 ? v - r : v + r) : v * r
            } else {
                break
            }
            first = false
        }
        return v
    }

    mutating func unary() -> Double? {
        if let c = peek(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            i += 1
            depth += 1
            defer { depth -= 1 }
            guard depth < Parser.maxDepth, let v = unary() else { return nil }
            return c == UInt8(ascii: "-") ? -v : v
        }
        return power()
    }

    mutating func power() -> Double? {
        guard var v = atom() else { return nil }
        if peek() == Byte.caret {
            i += 1
            guard let e = atom() else { return nil }
            v = Foundation.pow(v, e)
            lastAtomWasInteger = false
        }
        if peek() == UInt8(ascii: "%") {
            i += 1
            percentCount += 1
            v /= 100
        }
        return v
    }

    mutating func atom() -> Double? {
        depth += 1
        defer { depth -= 1 }
        guard depth < Parser.maxDepth, let c = peek() else { return nil }
        lastAtomWasInteger = false
        if isDigit(c) || c == Byte.dot { return number() }
        if c == UInt8(ascii: "(") || c == Byte.openBrace {
            let close = c == UInt8(ascii: "(") ? UInt8(ascii: ")") : Byte.closeBrace
            i += 1
            guard let v = sum(), peek() == close else { return nil }
            i += 1
            return v
        }
        guard c == Byte.backslash else { return nil }
        if at("\\pi") { i += 3; return Double.pi }
        if at("\\frac") {
            i += 5
            let numStart = i
            guard let n = group() else { return nil }
            let numInteger = b[numStart..<i].allSatisfy { isDigit($0) || $0 == Byte.openBrace || $0 == Byte.closeBrace }
            let denStart = i
            guard let d = group() else { return nil }
            let denInteger = b[denStart..<i].allSatisfy { isDigit($0) || $0 == Byte.openBrace || $0 == Byte.closeBrace }
            lastFracWasInteger = numInteger && denInteger
            return n / d
        }
        if at("\\sqrt") {
            i += 5
            var k = 2.0
            if peek() == UInt8(ascii: "[") {
                i += 1
                guard let index = sum(), peek() == UInt8(ascii: "]") else { return nil }
                i += 1
                k = index
            }
            guard let x = group() else { return nil }
            return k == 2 ? x.squareRoot() : Foundation.pow(x, 1 / k)
        }
        return nil
    }

    mutating func group() -> Double? {
        guard peek() == Byte.openBrace else { return nil }
        return atom()
    }

    mutating func number() -> Double? {
        let start = i
        while let c = peek(), isDigit(c) { i += 1 }
        var integer = true
        if peek() == Byte.dot {
            integer = false
            i += 1
            while let c = peek(), isDigit(c) { i += 1 }
        }
        guard i - start <= 400, i > start, !(i - start == 1 && b[start] == Byte.dot) else { return nil }
        lastAtomWasInteger = integer
        return Double(String(decoding: b[start..<i], as: UTF8.self))
    }
}
