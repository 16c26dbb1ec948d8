// The char tokenizer of the built-in tiny model, loaded from Data/tokenizers/char/vocab.json.

import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class CharTokenizerTests: XCTestCase {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Data/tokenizers/char").path

    func test_vocabulary_covers_printable_ascii_and_newline() throws {
        let char = try TokenizerLoader.load(Self.directory)
        XCTAssertEqual(char.identity.kind, "char")
        XCTAssertEqual(char.identity.name, "char")
        XCTAssertEqual(char.vocabularySize, 100)
        XCTAssertEqual(char.eosTokenID, 2)
        for v in 0x20...0x7E { XCTAssertNotNil(char.tokenID(for: String(UnicodeScalar(UInt8(v)))), "\(v)") }
        XCTAssertEqual(char.tokenID(for: "\n"), 99)
    }

    func test_worked_solution_round_trips() throws {
        let char = try TokenizerLoader.load(Self.directory + "/vocab.json")
        let text = "What is 6+4*2-20? 6+4=10. 10*2=20. 20-20=0. \\boxed{0}\n"
        let ids = char.encode(text)
        XCTAssertEqual(ids.count, text.unicodeScalars.count)
        XCTAssertEqual(try char.decode(ids, skipSpecialTokens: false), text)
        XCTAssertEqual(char.encode("a", addSpecialTokens: true), [1, char.tokenID(for: "a")!])
    }

    func test_unknown_characters_map_to_unk_and_specials_are_matched() throws {
        let char = try TokenizerLoader.load(Self.directory)
        XCTAssertEqual(char.encode("é\t"), [3, 3])
        let ids = char.encode("1<eos>")
        XCTAssertEqual(ids, [char.tokenID(for: "1")!, 2])
        XCTAssertEqual(try char.decode(ids, skipSpecialTokens: true), "1")
        XCTAssertEqual(try char.decode(ids, skipSpecialTokens: false), "1<eos>")
        XCTAssertThrowsError(try char.decode([100], skipSpecialTokens: false))
    }
}
