// Answer extraction (source and text) and normalisation of single answers.
import DispoVerifier
import Foundation
import XCTest

final class AnswerExtractorTests: XCTestCase {
    func extract(_ s: String) -> ExtractedAnswer? { AnswerExtractor.extract(from: s) }

    func test_sources_in_order_of_preference() {
        XCTAssertEqual(extract("x\nAnswer: 5"), ExtractedAnswer(text: "5", source: .answerLine))
        XCTAssertEqual(extract("so $\\boxed{\\frac{1}{2}}$"), ExtractedAnswer(text: "\\frac{1}{2}", source: .boxed))
        XCTAssertEqual(extract("3 + 4 = 7\n#### 7"), ExtractedAnswer(text: "7", source: .gsm8k))
        XCTAssertEqual(extract("Thus the answer is 12."), ExtractedAnswer(text: "12", source: .theAnswerIs))
        XCTAssertEqual(extract("The answer is $x+1$, clearly."), ExtractedAnswer(text: "x+1", source: .theAnswerIs))
        XCTAssertNil(extract("no conclusion here"))
    }

    func test_answer_line_beats_earlier_box_and_later_box_beats_answer_line() {
        XCTAssertEqual(extract("\\boxed{3}\nAnswer: 4")?.text, "4")
        XCTAssertEqual(extract("Answer: 4 then \\boxed{3}")?.text, "3")
        XCTAssertEqual(extract("Answer: \\boxed{17}")?.source, .boxed)
    }

    func test_answer_line_forms() {
        XCTAssertEqual(extract("ANSWER : 12")?.text, "12")
        XCTAssertEqual(extract("**Answer:** 12")?.text, "12")
        XCTAssertEqual(extract("Answer:\n\n12\nmore")?.text, "12")
        XCTAssertEqual(extract("Answer: 1\nAnswer: 2\n")?.text, "2")
        XCTAssertEqual(extract("Answer: 9\nAnswer:")?.text, "9")
    }
}

final class AnswerNormalizerTests: XCTestCase {
    func n(_ s: String) -> String { AnswerNormalizer.normalize(s) }

    func test_latex_spacing_and_delimiters() {
        XCTAssertEqual(n("\\left( 3, \\frac{\\pi}{2} \\right)"), "(3,\\frac{\\pi}{2})")
        XCTAssertEqual(n("$\\dfrac{17}{50}$"), "\\frac{17}{50}")
        XCTAssertEqual(n("\\frac12"), "\\frac{1}{2}")
        XCTAssertEqual(n("\\frac{270}7"), "\\frac{270}{7}")
        XCTAssertEqual(n("\\frac 59"), "\\frac{5}{9}")
        XCTAssertEqual(n("11\\sqrt2"), "11\\sqrt{2}")
        XCTAssertEqual(n("\\frac{\\sqrt3}{2}"), "\\frac{\\sqrt{3}}{2}")
        XCTAssertEqual(n("4210_{5}"), "4210_5")
        XCTAssertEqual(n("\\boxed{7}"), "7")
        XCTAssertEqual(n("\\pi r^2"), "\\pi r^2")
    }

    func test_units_degrees_and_text() {
        XCTAssertEqual(n("90^\\circ"), "90")
        XCTAssertEqual(n("90^{\\circ}"), "90")
        XCTAssertEqual(n("864 \\mbox{ inches}^2"), "864")
        XCTAssertEqual(n("5.4 \\text{ cents}"), "5.4")
        XCTAssertEqual(n("\\text{Evelyn}"), "Evelyn")
        XCTAssertEqual(n("\\text{(C)}"), "(C)")
        XCTAssertEqual(n("\\text{feet}"), "\\text{feet}")   // a unit alone stays the answer
        XCTAssertEqual(n("12 mph"), "12")
    }

    func test_numbers_and_equations() {
        XCTAssertEqual(n("1,000"), "1000")
        XCTAssertEqual(n("\\$32,\\!348"), "32348")
        XCTAssertEqual(n("10{,}000"), "10000")
        XCTAssertEqual(n("27.0"), "27")
        XCTAssertEqual(n("27.50"), "27.50")
        XCTAssertEqual(n("1,2"), "1,2")
        // Relations stay whole; the comparison reads them (RelationMatch)
        XCTAssertEqual(n("x = 5"), "x=5")
        XCTAssertEqual(n("2 + 3 = 5"), "2+3=5")
        XCTAssertEqual(n("5x - 7y + 11z + 4 = 0"), "5x-7y+11z+4=0")
        XCTAssertEqual(n("x \\in [-2,7]"), "x\\in[-2,7]")
        XCTAssertEqual(n("5."), "5")
        XCTAssertEqual(n(""), "")
    }

    func test_numeric_values() {
        XCTAssertEqual(NumericValue.parse("1\\frac{4}{5}")?.value ?? 0, 1.8, accuracy: 1e-12)
        XCTAssertEqual(NumericValue.parse("-1\\frac{1}{2}")?.value ?? 0, -1.5, accuracy: 1e-12)
        XCTAssertEqual(NumericValue.parse("3\\sqrt{13}")?.value ?? 0, 3 * 13.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(NumericValue.parse("\\frac{\\pi}{2}")?.value ?? 0, Double.pi / 2, accuracy: 1e-12)
        XCTAssertEqual(NumericValue.parse("50%"), NumericValue(value: 0.5, percentOf: 50))
        XCTAssertEqual(NumericValue.parse("025")?.value, 25)
        XCTAssertEqual(NumericValue.parse("2\\cdot3")?.value, nil)   // normalise first: \cdot becomes *
        XCTAssertEqual(NumericValue.parse(AnswerNormalizer.normalize("2\\cdot3"))?.value, 6)
        XCTAssertNil(NumericValue.parse("2x"))
        XCTAssertNil(NumericValue.parse("6-5i"))
        XCTAssertNil(NumericValue.parse("1/0"))
        XCTAssertNil(NumericValue.parse(String(repeating: "9", count: 5000)))
    }

    func test_equivalence_of_normalised_answers_names_the_test() {
        XCTAssertEqual(MathVerifier.equivalentNormalized("0.5", "\\frac{1}{2}"), "match: numeric")
        XCTAssertEqual(MathVerifier.equivalentNormalized("(3,4]", "(3,4]"), "match: string")
        XCTAssertEqual(MathVerifier.equivalentNormalized("(3,0.5]", "(3,\\frac{1}{2}]"), "match: interval")
        XCTAssertEqual(MathVerifier.equivalentNormalized("(1,0.5)", "(1,\\frac{1}{2})"), "match: tuple")
        XCTAssertEqual(MathVerifier.equivalentNormalized("2,1", "1,2"), "match: set")
        XCTAssertEqual(MathVerifier.equivalentNormalized("C", "(C)"), "match: choice")
        XCTAssertEqual(MathVerifier.equivalentNormalized("east", "East"), "match: words")
        XCTAssertNil(MathVerifier.equivalentNormalized("(3,4)", "(3,4]"))
    }
}
