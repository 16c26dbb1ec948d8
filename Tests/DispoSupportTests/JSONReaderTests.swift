// The strict JSON parser and reader: values, lines, and the errors a hand-edited config gets.
import DispoSupport
import XCTest

final class JSONReaderTests: XCTestCase {
    enum Codec: String, CaseIterable { case zstd, lz4, none }

    func read(_ text: String) throws -> JSONReader {
        JSONReader(node: try JSONParser.parse(text, file: "p.json"), file: "p.json")
    }

    func test_parses_values_with_lines() throws {
        let r = try read("{\n  \"a\": [1, 2.5e1, -0.5],\n  \"b\": {\"c\": \"x\\u00e9\\ud83d\\ude00\\n\"},\n  \"d\": true, \"e\": null\n}")
        let o = try r.object()
        let a = try o.required("a").array()
        XCTAssertEqual(try a.map { try $0.double() }, [1, 25, -0.5])
        XCTAssertEqual(a[1].node.line, 2)
        let b = try o.required("b").object()
        XCTAssertEqual(try b.required("c").string(), "xé😀\n")
        XCTAssertEqual(try o.required("d").bool(), true)
        XCTAssertNil(o.optional("e"))
        try b.finish()
        try o.finish()
    }

    func test_syntax_errors_name_the_line() {
        for (text, line) in [("{\n\"a\": 1,\n}", 3), ("{\"a\": 01}", 1), ("[1,\n2,\n\"x]", 3), ("{\"a\":1}\n{}", 2),
                             ("{\"a\": 1, \"a\": 2}", 1), ("{\"a\": NaN}", 1), ("// c\n{}", 1)] {
            XCTAssertThrowsError(try JSONParser.parse(text, file: "p.json"), text) { error in
                XCTAssertTrue("\(error)".hasPrefix("p.json: line \(line): expected"), "\(text): \(error)")
            }
        }
    }

    func test_deep_nesting_is_rejected_not_a_crash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONParser.parse(text, file: "deep.json"))
    }

    func test_type_and_range_errors_name_path_line_and_value() throws {
        let o = try read("{\n \"n\": 2.5,\n \"eps\": -0.2,\n \"codec\": \"zstdd\"\n}").object()
        XCTAssertThrowsError(try o.required("n").int()) { XCTAssertEqual("\($0)", "p.json: $.n (line 2): expected a whole number, found 2.5") }
        XCTAssertThrowsError(try o.required("eps").double(0...1)) {
            XCTAssertEqual("\($0)", "p.json: $.eps (line 3): expected a number in [0.0, 1.0], found -0.2")
        }
        XCTAssertThrowsError(try o.required("codec").choice(Codec.self)) {
            XCTAssertEqual("\($0)", "p.json: $.codec (line 4): expected one of zstd, lz4, none, found \"zstdd\" (did you mean \"zstd\"?)")
        }
        XCTAssertThrowsError(try o.required("missing")) { XCTAssertTrue("\($0)".contains("a key \"missing\""), "\($0)") }
    }

    func test_unknown_keys_are_rejected_with_a_suggestion() throws {
        let o = try read("{\"seed\": 1, \"max_staleness\": 1, \"max_stalenes\": 2}").object()
        _ = o.optional("seed")
        _ = o.optional("max_staleness")
        XCTAssertThrowsError(try o.finish()) { error in
            XCTAssertEqual("\(error)", "p.json: $.max_stalenes (line 1): expected one of the keys max_staleness, seed, found unknown key \"max_stalenes\" (did you mean \"max_staleness\"?)")
        }
    }
}
