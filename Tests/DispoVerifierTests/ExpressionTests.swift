// The expression language and symbolic comparison: exact rationals, parsing rules (function arguments, TeX
// exponents and subscripts, words are not products), values, equality as functions and its limits.
@testable import DispoVerifier
import XCTest

final class RationalTests: XCTestCase {
    func test_arithmetic_is_exact_and_reduced() throws {
        let a = try XCTUnwrap(Rational(6, 8)), b = try XCTUnwrap(Rational(-1, 4))
        XCTAssertEqual(a, Rational(3, 4))
        XCTAssertEqual(a + b, Rational(1, 2))
        XCTAssertEqual(a * b, Rational(-3, 16))
        XCTAssertEqual(a / b, Rational(-3))
        XCTAssertEqual(Rational(2)?.power(-3), Rational(1, 8))
        XCTAssertEqual(Rational(27, 8)?.root(3), Rational(3, 2))
        XCTAssertNil(Rational(2)?.root(2))
        XCTAssertEqual(Rational(1, 3)?.rounded(places: 6), Rational(333_333, 1_000_000))
        XCTAssertEqual(Rational(2, 3)?.rounded(places: 6), Rational(666_667, 1_000_000))
    }

    func test_overflow_gives_nil_instead_of_a_wrong_value() {
        let big = Rational(Int64.max / 2)!
        XCTAssertNil(big * Rational(3)!)
        XCTAssertNil((big + big).flatMap { $0 + big })
        XCTAssertNil(Rational(10)!.power(40))
        XCTAssertNil(Rational(1, 0))
    }
}

final class MathExpressionTests: XCTestCase {
    func parse(_ s: String) -> MathExpression? { MathExpression.parse(Array(AnswerNormalizer.normalize(s).utf8)[...]) }
    func value(_ s: String, _ point: [Double] = []) -> Complex? { parse(s)?.evaluate(at: point.map { Complex($0) }) }

    func test_functions_take_a_group_or_the_following_product() throws {
        // sin 2x cos x = sin(2x)·cos(x); \sin^2 x = (sin x)^2; \log_2 8 with the space gone is log base 2 of 8
        XCTAssertEqual(try XCTUnwrap(value("\\sin 2x \\cos x", [0.7])).re, sin(1.4) * cos(0.7), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\sin^2 x", [0.7])).re, pow(sin(0.7), 2), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\sin^{-1}(1)")).re, Double.pi / 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\log_2 8")).re, 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\log 1000")).re, 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\ln(e^3)")).re, 3, accuracy: 1e-12)
    }

    func test_constants_roots_and_the_imaginary_unit() throws {
        XCTAssertEqual(try XCTUnwrap(value("\\sqrt{-4}")), Complex(0, 2))
        XCTAssertEqual(try XCTUnwrap(value("(1+i)^2")), Complex(0, 2))
        XCTAssertEqual(try XCTUnwrap(value("|3-4i|")).re, 5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("\\sqrt[3]{27}")).re, 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(value("5!")).re, 120, accuracy: 1e-9)
        XCTAssertEqual(parse("\\binom{6}{2}")?.exactValue(), Rational(15))
        XCTAssertEqual(parse("\\frac{6}{8}")?.exactValue(), Rational(3, 4))
        XCTAssertEqual(parse("2^{-3}")?.exactValue(), Rational(1, 8))
        XCTAssertEqual(parse("\\sqrt{\\frac{9}{4}}")?.exactValue(), Rational(3, 2))
        XCTAssertNil(parse("\\sqrt{2}")?.exactValue())
        XCTAssertNil(parse("\\pi")?.exactValue())
    }

    func test_what_is_not_an_expression() {
        for text in ["Evelyn", "\\text{cm}", "1,2", "x=5", "(1,2]", "\\pm1", "\\infty", "\\triangleABC", "52_8", "", "(", "1+"] {
            XCTAssertNil(parse(text), text)
        }
        XCTAssertNotNil(parse("ab"))   // two letters are a product
    }

    func test_size_and_depth_are_capped() {
        XCTAssertNil(parse(String(repeating: "x+", count: 600) + "x"))            // > 512 nodes
        XCTAssertNil(parse(String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)))   // > 64 deep
        XCTAssertNotNil(parse(String(repeating: "(", count: 20) + "1" + String(repeating: ")", count: 20)))
    }
}

final class SymbolicEquivalenceTests: XCTestCase {
    func equal(_ a: String, _ b: String) -> Bool {
        MathVerifier.equivalentNormalized(AnswerNormalizer.normalize(a), AnswerNormalizer.normalize(b)) != nil
    }

    func test_identities_hold_and_near_misses_do_not() {
        XCTAssertTrue(equal("\\csc^2 t", "1 + \\cot^2 t"))
        XCTAssertTrue(equal("\\sqrt{12}", "2\\sqrt 3"))
        XCTAssertTrue(equal("(x+1)^3", "x^3 + 3x^2 + 3x + 1"))
        XCTAssertTrue(equal("\\frac{x^2-1}{x-1}", "x+1"))
        XCTAssertTrue(equal("e^{x}e^{y}", "e^{x+y}"))
        XCTAssertFalse(equal("(x+1)^3", "x^3 + 3x^2 + 3x - 1"))
        XCTAssertFalse(equal("x + y", "x + z"))            // variables are matched by name
        XCTAssertFalse(equal("\\ln(xy)", "\\ln x + \\ln y"))  // differs for negative x, y (documented limit)
        XCTAssertFalse(equal("\\sqrt{x}\\sqrt{x}", "|x|"))
    }

    func test_constants_compare_exactly_and_decimals_to_six_places() {
        XCTAssertTrue(equal("\\cos\\frac{\\pi}{3}", "\\frac12"))
        XCTAssertTrue(equal("\\frac{1}{3}", "0.333333"))
        XCTAssertFalse(equal("\\frac{1}{3}", "0.3333"))
        XCTAssertTrue(equal("2\\pi", "6.283185"))
        XCTAssertFalse(equal("2\\pi", "6.28"))
    }

    func test_proportional_differences_are_the_same_equation() throws {
        func difference(_ l: String, _ r: String) throws -> MathExpression {
            try XCTUnwrap(RelationMatch.difference(Array(l.utf8)[...], Array(r.utf8)[...]))
        }
        XCTAssertTrue(SymbolicEquivalence.proportional(try difference("x+y", "5"), try difference("2x+2y", "10")))
        XCTAssertTrue(SymbolicEquivalence.proportional(try difference("2x+4y-3", "0"), try difference("y", "-\\frac{1}{2}x+\\frac{3}{4}")))
        XCTAssertFalse(SymbolicEquivalence.proportional(try difference("x+y", "5"), try difference("x+y", "6")))
    }
}
