// StrictJSONDecoder: Codable types read with paths, lines and unknown-key rejection.
import DispoSupport
import XCTest

final class StrictJSONDecoderTests: XCTestCase {
    enum Mode: String, Codable { case fast, slow }
    struct Inner: Codable, Equatable { var rate: Double; var mode: Mode? }
    struct Outer: Codable, Equatable {
        var name: String
        var steps: Int
        var inner: Inner
        var list: [Inner]
        var free: Int?
    }

    func decode(_ text: String) throws -> Outer {
        try StrictJSONDecoder().decode(Outer.self, from: JSONParser.parse(text, file: "s.json"), file: "s.json")
    }

    func test_decodes_valid_document() throws {
        let o = try decode(#"{"name": "x", "steps": 3, "inner": {"rate": 0.5, "mode": "fast"}, "list": [{"rate": 1}]}"#)
        XCTAssertEqual(o, Outer(name: "x", steps: 3, inner: Inner(rate: 0.5, mode: .fast), list: [Inner(rate: 1, mode: nil)], free: nil))
    }

    func test_errors_name_path_and_line() {
        let cases: [(String, String)] = [
            ("{\"name\": \"x\", \"steps\": 2.5, \"inner\": {\"rate\": 1}, \"list\": []}", "s.json: $.steps (line 1): expected a whole number, found 2.5"),
            ("{\"name\": \"x\", \"steps\": 1,\n \"inner\": {\"rate\": \"a\"}, \"list\": []}", "s.json: $.inner.rate (line 2): expected a number, found \"a\""),
            ("{\"name\": \"x\", \"steps\": 1, \"inner\": {\"rate\": 1},\n \"list\": [{\"rate\": 1, \"rat\": 2}]}",
             "s.json: $.list[0].rat (line 2): expected one of the keys mode, rate, found unknown key \"rat\" (did you mean \"rate\"?)"),
            ("{\"name\": \"x\", \"steps\": 1, \"inner\": {\"rate\": 1}, \"list\": [], \"stepz\": 1}", "unknown key \"stepz\" (did you mean \"steps\"?)"),
            ("{\"name\": \"x\", \"inner\": {\"rate\": 1}, \"list\": []}", "s.json: $.steps (in the object at line 1): expected a key \"steps\""),
            ("{\"name\": \"x\", \"steps\": 1, \"inner\": {\"rate\": 1, \"mode\": \"medium\"}, \"list\": []}", "s.json: $.inner.mode (line 1)"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try decode(text), expected) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)\n  should contain: \(expected)")
            }
        }
    }

    func test_numbers_out_of_range_are_named_not_called_invalid_json() throws {
        // Valid JSON syntax, but beyond a double: the parser says so (and callers can tell it from a syntax error)
        XCTAssertThrowsError(try JSONParser.parse("{\"a\": 1e400}", file: "f.json")) { error in
            XCTAssertEqual("\(error)", "f.json: line 1: expected a number within ±1.8e308 (the range of a double), found \"1e400\"")
            XCTAssertTrue(JSONParser.isValidSyntax(error as! InputError))
        }
        XCTAssertThrowsError(try JSONParser.parse("{\"a\": 1, \"a\": 2}", file: "f.json")) { error in
            XCTAssertTrue(JSONParser.isValidSyntax(error as! InputError), "\(error)")
        }
        XCTAssertThrowsError(try JSONParser.parse("{\"a\": }", file: "f.json")) { error in
            XCTAssertFalse(JSONParser.isValidSyntax(error as! InputError), "\(error)")
        }
        // A double that a Float cannot hold is an error, not infinity
        struct F: Decodable { var x: Float }
        XCTAssertThrowsError(try StrictJSONDecoder().decode(F.self, from: JSONParser.parse("{\"x\": 1e300}", file: "f"), file: "f")) {
            XCTAssertTrue("\($0)".contains("$.x (line 1): expected a number within ±3.4e38"), "\($0)")
        }
        struct I: Decodable { var n: Int }
        XCTAssertThrowsError(try StrictJSONDecoder().decode(I.self, from: JSONParser.parse("{\"n\": 1e19}", file: "f"), file: "f")) {
            XCTAssertTrue("\($0)".contains("expected a whole number in [-9223372036854775808, 9223372036854775807]"), "\($0)")
        }
    }

    func test_64_bit_integers_decode_exactly_from_their_digits() throws {
        struct Seeds: Codable, Equatable { var seed: UInt64; var offset: Int64 }
        let seeds = Seeds(seed: 0xFFFF_FFFF_FFFF_FFF1, offset: -9_007_199_254_740_993)
        XCTAssertEqual(try StrictJSONDecoder().decode(Seeds.self, fromText: try JSONWriter.encode(seeds)), seeds,
                       "a double holds neither exactly")
        XCTAssertEqual(try StrictJSONDecoder().decode([Int].self, fromText: "[1e3, 2.0]"), [1000, 2], "other spellings of whole numbers")
        XCTAssertThrowsError(try StrictJSONDecoder().decode([UInt8].self, fromText: "[256]"))
    }

    func test_nesting_is_limited() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        XCTAssertThrowsError(try JSONParser.parse(deep, file: "f")) { XCTAssertTrue("\($0)".contains("nested at most 512 deep"), "\($0)") }
    }
}
