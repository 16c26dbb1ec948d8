// ProblemFields on the record shapes of the real datasets (GSM8K, MATH, AIME, AMC) and on bad records.
import DispoDatasets
import DispoSupport
import Foundation
import XCTest

final class ProblemFieldsTests: XCTestCase {
    private func parse(_ json: String, _ fields: ProblemFields = ProblemFields()) throws -> MathProblem {
        guard case .object(let members) = try JSONParser.parse(json, file: "data.jsonl").value else {
            throw InputError(file: "data.jsonl", expected: "an object")
        }
        let record = DatasetRecord(members.map { ($0.key, $0.value.value) })
        return try fields.problem(from: record, file: "data.jsonl", place: "line 3", row: 2, source: "test/set")
    }

    func test_gsm8k_answer_after_hashes_and_solution_kept() throws {
        let p = try parse(#"{"question": "How many?", "answer": "2+2=<<2+2=4>>4\n#### 1,004"}"#)
        XCTAssertEqual(p.prompt, "How many?")
        XCTAssertEqual(p.answer, "1,004")
        XCTAssertEqual(p.metadata["solution"], .string("2+2=<<2+2=4>>4\n#### 1,004"))
        XCTAssertEqual(p.metadata["id"], .string("test/set:2"))
        XCTAssertEqual(p.metadata["source"], .string("test/set"))
        XCTAssertEqual(p.metadata["row"], .number(2, "2"))
    }

    func test_math_answer_from_boxed_solution_when_no_answer_field() throws {
        let p = try parse(#"{"problem": "Find x.", "solution": "Thus $x = \\boxed{\\frac{3}{4}}$."}"#)
        XCTAssertEqual(p.answer, "\\frac{3}{4}")
    }

    func test_numbers_lose_spurious_fraction_and_leading_zeros_stay() throws {
        XCTAssertEqual(try parse(#"{"problem": "p", "answer": 27.0}"#).answer, "27")
        XCTAssertEqual(try parse(#"{"problem": "p", "answer": -1.5}"#).answer, "-1.5")
        XCTAssertEqual(try parse(#"{"problem": "p", "answer": 70}"#).answer, "70")
        XCTAssertEqual(try parse(#"{"problem": "p", "answer": "025"}"#).answer, "025")
        XCTAssertEqual(try parse(#"{"problem": "p", "answer": 27.0}"#).metadata["answer_raw"], .number(27, "27.0"))
        XCTAssertThrowsError(try parse(#"{"problem": "p", "answer": true}"#))
        XCTAssertThrowsError(try parse(#"{"problem": "p", "answer": null}"#))
    }

    func test_mangled_latex_escapes_are_repaired() throws {
        let p = try parse("{\"problem\": \"Let $\\frac12$ and \\triangle ABC\"}", ProblemFields(answerField: "none"))
        XCTAssertEqual(p.prompt, "Let $\\frac12$ and \\triangle ABC")
        XCTAssertTrue(p.repairedEscapes)
        let kept = try parse("{\"problem\": \"a\\tb\"}", ProblemFields(answerField: "none"))
        XCTAssertEqual(kept.prompt, "a\tb")
        XCTAssertFalse(kept.repairedEscapes)
    }

    func test_missing_prompt_names_file_place_and_fields() {
        XCTAssertThrowsError(try parse(#"{"text": "p", "answer": "1"}"#)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("data.jsonl: line 3"), text)
            XCTAssertTrue(text.contains("problem, question, prompt"), text)
        }
    }

    func test_missing_answer_is_an_error_unless_none() throws {
        XCTAssertThrowsError(try parse(#"{"problem": "p"}"#)) { error in
            XCTAssertTrue("\(error)".contains("answer"), "\(error)")
        }
        XCTAssertNil(try parse(#"{"problem": "p"}"#, ProblemFields(answerField: "none")).answer)
    }

    func test_pre_tokenized_ids_field() throws {
        let p = try parse(#"{"ids": [1, 2, 3], "answer": "4"}"#, ProblemFields(idsField: "ids"))
        XCTAssertEqual(p.promptIDs, [1, 2, 3])
        XCTAssertThrowsError(try parse(#"{"ids": [1, -2], "answer": "4"}"#, ProblemFields(idsField: "ids")))
        XCTAssertThrowsError(try parse(#"{"ids": [1, 2.5], "answer": "4"}"#, ProblemFields(idsField: "ids")))
    }

    func test_templates_render() throws {
        XCTAssertEqual(try PromptTemplate.plain.render(problem: "1+1="), "1+1=")
        let qwen = try PromptTemplate.qwenBoxed.render(problem: "What is 2?")
        XCTAssertTrue(qwen.hasPrefix("<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}.<|im_end|>\n"))
        XCTAssertTrue(qwen.hasSuffix("<|im_start|>user\nWhat is 2?<|im_end|>\n<|im_start|>assistant\n"))
        XCTAssertTrue(try PromptTemplate.dapo.render(problem: "Q").contains("Answer: $Answer"))
        XCTAssertThrowsError(try PromptTemplate.named("chatml")) { error in
            XCTAssertTrue("\(error)".contains("plain, qwen-boxed, dapo"), "\(error)")
        }
    }
}
