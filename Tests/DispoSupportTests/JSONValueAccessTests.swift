// Loose access to parsed JSON (typed views, members and elements, editing) and writing a parsed value back.
import DispoSupport
import XCTest

final class JSONValueAccessTests: XCTestCase {
    let text = #"{"n": 3, "x": 2.5, "s": "a\"b", "ok": true, "ids": [1, 2, 3], "mixed": [1, "2"], "o": {"k": [10, 20]}, "z": null}"#

    func test_typed_views_are_nil_for_other_kinds() throws {
        let v = try JSONValue.parse(text)
        XCTAssertEqual(v["n"]?.int, 3)
        XCTAssertEqual(v["x"]?.double, 2.5)
        XCTAssertNil(v["x"]?.int, "2.5 is not a whole number")
        XCTAssertEqual(v["s"]?.string, "a\"b")
        XCTAssertNil(v["s"]?.double)
        XCTAssertEqual(v["ok"]?.bool, true)
        XCTAssertEqual(v["ids"]?.ints, [1, 2, 3])
        XCTAssertEqual(v["ids"]?.doubles, [1, 2, 3])
        XCTAssertNil(v["mixed"]?.ints, "not every element is a number")
        XCTAssertEqual(v["o"]?["k"]?[1]?.int, 20)
        XCTAssertNil(v["o"]?["k"]?[2])
        XCTAssertNil(v["missing"])
        XCTAssertEqual(v["z"], .null)
        XCTAssertEqual(v.numbers, ["n": 3, "x": 2.5])
        XCTAssertEqual(v.members?.map(\.key), ["n", "x", "s", "ok", "ids", "mixed", "o", "z"])
        XCTAssertNil(JSONValue.parse(bytes: [0xFF, 0x7B, 0x7D]), "not UTF-8")
        XCTAssertNil(JSONValue.parse(bytes: Array("{".utf8)), "not JSON")
    }

    func test_integers_keep_their_digits_beyond_double_precision() throws {
        let v = try JSONValue.parse(#"{"big": 9007199254740993}"#)
        XCTAssertEqual(v["big"]?.int, 9_007_199_254_740_993, "2^53 + 1 is not a double")
    }

    func test_edits_write_back_with_members_in_order() throws {
        var v = try JSONValue.parse(text)
        v["n"] = JSONValue(4)
        v["o"]?["k"]?[0] = JSONValue("ten")
        v["new"] = JSONValue(0.5)
        v["x"] = nil
        XCTAssertEqual(JSONWriter.text(v),
                       #"{"n":4,"s":"a\"b","ok":true,"ids":[1,2,3],"mixed":[1,"2"],"o":{"k":["ten",20]},"z":null,"new":0.5}"#)
        XCTAssertEqual(try JSONValue.parse(JSONWriter.text(v)), v, "reads back as the same value")
    }
}
