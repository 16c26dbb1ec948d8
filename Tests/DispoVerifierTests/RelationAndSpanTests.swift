// Relations (assignments, equations, inequalities, set-builder, as intervals), math spans and the anchors of
// extraction (listed boxes, "final answer is", the word "answer", bare numbers).
@testable import DispoVerifier
import XCTest

final class RelationTests: XCTestCase {
    func reason(_ a: String, _ g: String) -> String? {
        MathVerifier.equivalentNormalized(AnswerNormalizer.normalize(a), AnswerNormalizer.normalize(g))
    }

    func test_relations_split_at_top_level_operators_only() throws {
        let r = try XCTUnwrap(Relation.parse(Array("-1<t\\le4".utf8)))
        XCTAssertEqual(r.ops, [.lt, .le])
        XCTAssertEqual(r.parts.map { String(decoding: $0, as: UTF8.self) }, ["-1", "t", "4"])
        XCTAssertNil(Relation.parse(Array("x=1,y=2".utf8)))          // a list of relations
        XCTAssertNil(Relation.parse(Array("\\{x:x>2\\}".utf8)))      // inside a set
        XCTAssertNotNil(RelationMatch.setBuilder(Array("\\{x:x>2\\}".utf8)))
        XCTAssertEqual(Relation.parse(Array("(a,b)=(1,4)".utf8))?.assignment.map { String(decoding: $0.name, as: UTF8.self) }, "(a,b)")
    }

    func test_assignments_equations_and_inequalities() {
        XCTAssertNotNil(reason("y = 7", "7"))
        XCTAssertNotNil(reason("7", "y = 7"))
        XCTAssertNil(reason("x = 7", "y = 7"))
        XCTAssertNotNil(reason("f(1) + f(2) = 3 + 4 = 7", "7"))       // an answer equation is its last side
        XCTAssertNil(reason("0", "3x - 2 = 0"))                       // a gold equation is not its right side
        XCTAssertEqual(reason("2x + 2y = 10", "x + y = 5"), "match: equation")
        XCTAssertEqual(reason("-x < -5", "x > 5"), "match: inequality")
        XCTAssertNil(reason("2x > 10", "x > 5"))                      // as math-verify: not rescaled
        XCTAssertNotNil(reason("x \\ne 3", "3 \\neq x"))
    }

    func test_one_variable_relations_read_as_intervals() {
        let cases = [("x\\ge2", "[2,\\infty)"), ("2>x", "(-\\infty,2)"), ("-1<t\\le4", "(-1,4]"), ("5>x>3", "(3,5)"),
                     ("x\\ne3", "(-\\infty,3)\\cup(3,\\infty)"), ("t\\in(0,1]", "(0,1]")]
        for (relation, interval) in cases {
            XCTAssertEqual(RelationMatch.asInterval(Relation.parse(Array(relation.utf8))!).map { String(decoding: $0, as: UTF8.self) },
                           interval, relation)
        }
        XCTAssertNil(RelationMatch.asInterval(Relation.parse(Array("x+y<2".utf8))!))
        XCTAssertNotNil(reason("\\{x \\mid x > 2\\}", "(2, \\infty)"))
        XCTAssertNotNil(reason("[2, \\infty)", "x \\ge 2"))
        XCTAssertNil(reason("(2, \\infty)", "x \\ge 2"))
    }
}

final class SpanAndAnchorTests: XCTestCase {
    func extract(_ s: String) -> ExtractedAnswer? { AnswerExtractor.extract(from: s) }

    func test_math_spans_in_every_delimiter_and_their_lists() {
        XCTAssertEqual(extract("so $12$."), ExtractedAnswer(text: "12", source: .mathSpan))
        XCTAssertEqual(extract("so $$\n12\n$$ ok")?.text, "\n12\n")
        XCTAssertEqual(extract("so \\(12\\)")?.text, "12")
        XCTAssertEqual(extract("so \\[\n12\n\\]")?.text, "\n12\n")
        XCTAssertEqual(extract("costs \\$5 and $7$")?.text, "7")            // an escaped dollar is text
        XCTAssertEqual(extract("$x=1$ and $x=2$")?.text, "x=1,x=2")          // listed spans form the answer
        XCTAssertEqual(extract("$x=1$, so $x=2$")?.text, "x=2")              // a sentence is not a list
        XCTAssertEqual(extract("$a\n$ then 9")?.text, "9")                   // inline math stays on one line
    }

    func test_listed_boxes_form_the_answer_and_a_corrected_box_does_not() {
        XCTAssertEqual(extract("$x=\\boxed{3}$ or $x=\\boxed{5}$")?.text, "3,5")
        XCTAssertEqual(extract("\\boxed{1}, \\boxed{2}, and \\boxed{3}")?.text, "1,2,3")
        XCTAssertEqual(extract("\\boxed{7} \\boxed{7}")?.text, "7")
        XCTAssertEqual(extract("\\boxed{3}. Wait, that is wrong. \\boxed{5}")?.text, "5")
    }

    func test_final_answer_phrase_and_the_word_answer() {
        XCTAssertEqual(extract("The final answer is $9$. I hope it is correct."), ExtractedAnswer(text: "9", source: .finalAnswer))
        XCTAssertEqual(extract("Final Answer: The final answer is 9. I hope it is correct.")?.text, "9")
        XCTAssertEqual(extract("\\boxed{3} but the final answer to (b) is: 9")?.text, "9")
        XCTAssertEqual(extract("The final answer is $\\boxed{8}$.")?.source, .boxed)
        XCTAssertEqual(extract("my answer might be 9, or 8")?.text, "9")
    }

    func test_bare_numbers_need_an_anchor() {
        XCTAssertEqual(extract("so it is 1,250 dollars")?.text, "1,250")
        XCTAssertEqual(extract("the ratio is 3/4.")?.text, "3/4")
        XCTAssertEqual(extract("we get x=-4")?.text, "-4")
        XCTAssertEqual(extract("it rose 45 percent")?.text, "45 percent")
        XCTAssertEqual(extract("the probability is \\frac{3}{4}")?.text, "\\frac{3}{4}")
        XCTAssertNil(extract("code AZYUK2A"))
    }
}
