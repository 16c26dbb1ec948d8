// The library side of `dispo tokenize`: JSONL field encoding, per-line decoding, and errors naming file and line.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class TokenizeToolTests: XCTestCase {
    private let char = Result { try TokenizerLoader.load(CharTokenizerTests.directory) }

    func test_jsonl_field_is_encoded_per_line() throws {
        var out: [String] = []
        let data = Data("{\"q\": \"ab\"}\n{\"q\": \"\\n\"}\n".utf8)
        try TokenizeTool.encodeJSONL(data, file: "in.jsonl", field: "q", tokenizer: try char.get(), addSpecialTokens: true) { out.append($0) }
        XCTAssertEqual(out, ["[1,69,70]", "[1,99]"])
    }

    func test_bad_jsonl_line_is_named() throws {
        let data = Data("{\"q\": \"a\"}\nnot json\n".utf8)
        XCTAssertThrowsError(try TokenizeTool.encodeJSONL(data, file: "in.jsonl", field: "q", tokenizer: try char.get(),
                                                          addSpecialTokens: false) { _ in }) { error in
            XCTAssertEqual((error as? InputError)?.file, "in.jsonl")
            XCTAssertEqual((error as? InputError)?.place, "line 2")
        }
        XCTAssertThrowsError(try TokenizeTool.encodeJSONL(Data("{\"x\": 1}\n".utf8), file: "in.jsonl", field: "q",
                                                          tokenizer: try char.get(), addSpecialTokens: false) { _ in })
    }

    func test_decode_lines_as_json_strings_or_text() throws {
        var out: [String] = []
        let data = Data("[69,99,2]\n[4]\n".utf8)
        try TokenizeTool.decodeLines(data, file: "stdin", tokenizer: try char.get(), skipSpecialTokens: true, asJSON: true) { out.append($0) }
        XCTAssertEqual(out, ["\"a\\n\"", "\" \""])
        XCTAssertThrowsError(try TokenizeTool.decodeLines(Data("[1]\n[1.5]\n".utf8), file: "stdin", tokenizer: try char.get(),
                                                          skipSpecialTokens: false, asJSON: false) { _ in }) { error in
            XCTAssertEqual((error as? InputError)?.place, "line 2")
        }
    }

    func test_whole_text_or_lines() throws {
        var out: [String] = []
        try TokenizeTool.encodeText(Data("a\nb\n".utf8), perLine: false, tokenizer: try char.get(), addSpecialTokens: false) { out.append($0) }
        try TokenizeTool.encodeText(Data("a\nb\n".utf8), perLine: true, tokenizer: try char.get(), addSpecialTokens: false) { out.append($0) }
        try TokenizeTool.encodeText(Data("a\r\nb".utf8), perLine: true, tokenizer: try char.get(), addSpecialTokens: false) { out.append($0) }
        XCTAssertEqual(out, ["[69,99,70,99]", "[69]", "[70]", "[69]", "[70]"])
        XCTAssertEqual(TokenizeTool.jsonString("q\"\\\u{1}é"), "\"q\\\"\\\\\\u0001é\"")
    }

    func test_invalid_utf8_stops_with_the_line_instead_of_being_replaced() throws {
        let bad = Data([0x61, 0x0A, 0x62, 0xFF, 0x63, 0x0A])   // "a\nb\xFFc\n"
        for perLine in [false, true] {
            var out: [String] = []
            XCTAssertThrowsError(try TokenizeTool.encodeText(bad, file: "stdin", perLine: perLine, tokenizer: try char.get(),
                                                             addSpecialTokens: false) { out.append($0) }) {
                XCTAssertEqual("\($0)", "stdin: line 2: expected UTF-8 text, found invalid UTF-8 bytes")
            }
            XCTAssertEqual(out, [], "nothing is written for input that stops at line 2 before encoding")
        }
        XCTAssertThrowsError(try TokenizeTool.encodeJSONL(Data([0x7B, 0xFF, 0x7D]), file: "in.jsonl", field: "q",
                                                          tokenizer: try char.get(), addSpecialTokens: false) { _ in }) {
            XCTAssertEqual(($0 as? InputError)?.place, "line 1")
        }
    }
}
