// Repetition: word-4-gram duplicate fraction and period loops in the last window of tokens.
import DispoSupport
import DispoVerifier
import Foundation
import XCTest

final class RepetitionDetectorTests: XCTestCase {
    let detector = RepetitionDetector()

    func prose(_ words: Int, seed: UInt64 = 1) -> String {
        var rng = SplitMix64(seed: seed)
        let vocabulary = ["the", "sum", "of", "two", "numbers", "is", "equal", "to", "we", "find", "that", "x", "then",
                          "so", "divide", "both", "sides", "by", "three", "and", "check", "answer", "value", "square"]
        return (0..<words).map { _ in vocabulary[rng.below(vocabulary.count)] }.joined(separator: " ")
    }

    func test_ordinary_text_is_not_repetitive() {
        let report = detector.check(text: prose(700))
        XCTAssertLessThan(report.duplicateFraction, 0.5)
        XCTAssertNil(report.loopPeriod)
        XCTAssertFalse(report.isRepetitive)
    }

    func test_duplicate_fraction_counts_repeated_4grams() {
        // "a b c d a b c d": 5 four-grams, 4 unique → 0.2
        XCTAssertEqual(detector.check(text: "a b c d a b c d").duplicateFraction, 0.2, accuracy: 1e-12)
        XCTAssertEqual(detector.check(text: "a b c").duplicateFraction, 0)
        XCTAssertEqual(detector.check(text: "").duplicateFraction, 0)
    }

    func test_repeated_sentence_is_repetitive_by_ngrams() {
        let text = prose(100) + " " + String(repeating: "so the answer is five and we check again ", count: 60)
        let report = detector.check(text: text)
        XCTAssertGreaterThan(report.duplicateFraction, 0.5)
        XCTAssertTrue(report.isRepetitive)
    }

    func test_token_loop_covering_half_the_window_is_found() {
        // Given 600 random tokens followed by a period-7 loop of 600 tokens
        var rng = SplitMix64(seed: 3)
        var tokens = (0..<600).map { _ in TokenID(rng.below(50_000)) }
        let cycle = (0..<7).map { _ in TokenID(rng.below(50_000)) }
        tokens += (0..<600).map { cycle[$0 % 7] }
        // When checked with those tokens
        let report = detector.check(text: "short text", tokens: tokens)
        // Then a period-7 loop covers more than half of the last 1024 tokens
        XCTAssertEqual(report.loopPeriod, 7)
        XCTAssertGreaterThanOrEqual(report.loopCoverage, 0.5)
        XCTAssertTrue(report.isRepetitive)
    }

    func test_loop_too_short_or_too_long_a_period_is_not_flagged() {
        var rng = SplitMix64(seed: 4)
        var tokens = (0..<900).map { _ in TokenID(rng.below(50_000)) }
        let cycle = (0..<7).map { _ in TokenID(rng.below(50_000)) }
        tokens += (0..<400).map { cycle[$0 % 7] }   // 400 of the last 1024: below 50%
        XCTAssertNil(detector.check(text: "", tokens: tokens).loopPeriod)
        let wide = (0..<100).map { _ in TokenID(rng.below(50_000)) }
        let long = (0..<1024).map { wide[$0 % 100] }   // period 100 > 64
        XCTAssertNil(detector.check(text: "", tokens: long).loopPeriod)
        XCTAssertNil(detector.check(text: "", tokens: [5, 5, 5]).loopPeriod)   // below 16 tokens
    }

    func test_word_loop_without_tokens() {
        let report = detector.check(text: prose(50) + " " + String(repeating: "wait ", count: 200))
        XCTAssertEqual(report.loopPeriod, 1)
        XCTAssertTrue(report.isRepetitive)
    }

    /// Character tokens of a text (the built-in char model's ids are its characters).
    func chars(_ s: String) -> [TokenID] { s.unicodeScalars.map { TokenID($0.value) } }

    func test_fully_degenerate_character_outputs_are_repetitive() {
        // Given 48-token outputs of the collapsed char model: one character, two runs, an alternation, noise of
        // two characters, and the same after a short legitimate start
        var rng = SplitMix64(seed: 12)
        let outputs = [String(repeating: "0", count: 48), String(repeating: "}", count: 48),
                       String(repeating: "0", count: 22) + String(repeating: "}", count: 26),
                       String(repeating: "0}", count: 24),
                       String((0..<48).map { _ in rng.below(2) == 0 ? Character("0") : Character("}") }),
                       "12+34=" + String(repeating: "0", count: 42), "7*8=5" + String(repeating: "6}", count: 21)]
        for output in outputs {
            // When checked with character tokens, and from the text alone
            // Then each is repetitive both ways
            XCTAssertTrue(detector.check(text: output, tokens: chars(output)).isRepetitive, output)
            XCTAssertTrue(detector.check(text: output).isRepetitive, "text only: \(output)")
        }
        XCTAssertEqual(detector.check(text: outputs[2], tokens: chars(outputs[2])).shortLoopCoverage, 1)
        XCTAssertTrue(detector.check(text: outputs[4], tokens: chars(outputs[4])).fewDistinct)
    }

    func test_degenerate_outputs_are_caught_at_scale_and_were_mostly_missed_by_single_loops() {
        // Given 1,000 random degenerate outputs: up to 12 legitimate characters, then runs of 1-4 short units
        var rng = SplitMix64(seed: 5)
        let alphabet = Array("0123456789}{+-=*.x ")
        var flagged = 0, singleLoop = 0
        for _ in 0..<1000 {
            var s = String((0..<rng.below(13)).map { _ in alphabet[rng.below(alphabet.count)] })
            while s.count < 48 {
                let unit = String((0..<(1 + rng.below(3))).map { _ in alphabet[rng.below(alphabet.count)] })
                s += String(repeating: unit, count: 3 + rng.below(10))
            }
            let report = detector.check(text: s, tokens: chars(String(s.prefix(48))))
            if report.isRepetitive { flagged += 1 }
            if report.loopPeriod != nil { singleLoop += 1 }
        }
        // Then all are repetitive, while one loop alone covers half of only some of them
        print("degenerate outputs flagged: \(flagged) of 1000; by a single loop alone: \(singleLoop)")
        XCTAssertEqual(flagged, 1000)
        XCTAssertLessThan(singleLoop, 700)
    }

    func test_arithmetic_and_math_answers_are_not_repetitive() {
        // Given answers in the built-in task's style and ordinary math text
        let texts = ["12+34=46. So the answer is 46.", "Compute 125*8: 125*8=1000. Answer: 1000",
                     "The total is 1,000,000 dollars, so the answer is $\\boxed{1000000}$.",
                     "We have 3 + 4 = 7, then 7 * 6 = 42, and 42 - 2 = 40.\nAnswer: 40",
                     "Let x = 100. Then x^2 = 10000 and x^3 = 1000000, so x^2 + x^3 = 1010000.",
                     "(1, 1), (2, 4), (3, 9), (4, 16): the squares."]
        for text in texts {
            // Then none is repetitive, by characters or by text
            XCTAssertFalse(detector.check(text: text, tokens: chars(text)).isRepetitive, text)
            XCTAssertFalse(detector.check(text: text).isRepetitive, text)
        }
    }

    func test_reference_solutions_are_not_repetitive() throws {
        // Given the MATH-500 and GSM8K reference solutions (real mathematical text)
        let test = "test_reference_solutions_are_not_repetitive"
        let math = try RealSolutionsTests.rows("data/math/math500/test.jsonl", test: test).map { try $0.required("solution").string() }
        let gsm = try RealSolutionsTests.rows("data/math/gsm8k/test.jsonl", test: test).map { try $0.required("answer").string() }
        var flagged: [String] = []
        for text in math + gsm {
            // When checked by characters and by text
            if detector.check(text: text, tokens: chars(text)).isRepetitive || detector.check(text: text).isRepetitive {
                flagged.append(String(text.suffix(120)))
            }
        }
        // Then (almost) none is repetitive
        XCTAssertEqual(math.count + gsm.count, 500 + 1319)
        print("reference solutions flagged as repetitive: \(flagged.count) of \(math.count + gsm.count)")
        XCTAssertLessThanOrEqual(flagged.count, 2, flagged.joined(separator: "\n---\n"))
    }

    func test_long_input_is_read_whole_and_only_its_window_for_loops() {
        // Given 200,000 distinct tokens and words (the detector is linear by construction; its speed is in
        // `dispo bench verifier`), When checked
        let tokens = (0..<200_000).map { TokenID($0 % 1_000_003) }
        let report = detector.check(text: prose(200_000), tokens: tokens)
        // Then n-grams of the whole text count, and no loop is found in the last window
        // 200k random 4-grams over 24^4 = 331,776 possible ones: E[unique] = 331776·(1 − e^(−200k/331776)) ≈ 150.2k
        XCTAssertEqual(report.duplicateFraction, 1 - 150_200.0 / 200_000, accuracy: 0.01)
        XCTAssertNil(report.loopPeriod)
        XCTAssertEqual(report.shortLoopCoverage, 0)
        XCTAssertFalse(report.fewDistinct)
    }

    func test_config_json_and_validation() throws {
        let json = #"{"ngram": 3, "max_duplicate_fraction": 0.4, "max_period": 32, "window": 512, "min_loop_coverage": 0.6, "action": "incorrect", "penalty": -0.5}"#
        let config = try StrictJSONDecoder().decode(RepetitionConfig.self, fromText: json)
        XCTAssertEqual(config, RepetitionConfig(ngram: 3, maxDuplicateFraction: 0.4, maxPeriod: 32, window: 512,
                                                minLoopCoverage: 0.6, action: .incorrect, penalty: -0.5))
        XCTAssertEqual(try StrictJSONDecoder().decode(RepetitionConfig.self, fromText: "{}"), RepetitionConfig())
        XCTAssertThrowsError(try StrictJSONDecoder().decode(RepetitionConfig.self, fromText: #"{"action": "nope"}"#)) {
            XCTAssertTrue("\($0)".contains("metric, penalty, incorrect"))
        }
        XCTAssertThrowsError(try RepetitionConfig(window: 1).validate()) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.window")
        }
        XCTAssertThrowsError(try RepetitionConfig(minLoopCoverage: 0).validate()) {
            XCTAssertEqual(($0 as? InputError)?.place, "$.min_loop_coverage")
        }
    }
}
