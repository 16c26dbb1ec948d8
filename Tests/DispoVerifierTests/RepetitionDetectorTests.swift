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

    func test_long_input_is_linear() {
        let tokens = (0..<200_000).map { TokenID($0 % 1_000_003) }
        let text = prose(200_000)
        let start = Date()
        _ = detector.check(text: text, tokens: tokens)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    func test_config_json_and_validation() throws {
        let json = #"{"ngram": 3, "max_duplicate_fraction": 0.4, "max_period": 32, "window": 512, "min_loop_coverage": 0.6, "action": "incorrect", "penalty": -0.5}"#
        let config = try JSONDecoder().decode(RepetitionConfig.self, from: Data(json.utf8))
        XCTAssertEqual(config, RepetitionConfig(ngram: 3, maxDuplicateFraction: 0.4, maxPeriod: 32, window: 512,
                                                minLoopCoverage: 0.6, action: .incorrect, penalty: -0.5))
        XCTAssertEqual(try JSONDecoder().decode(RepetitionConfig.self, from: Data("{}".utf8)), RepetitionConfig())
        XCTAssertThrowsError(try JSONDecoder().decode(RepetitionConfig.self, from: Data(#"{"action": "nope"}"#.utf8))) {
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
