// DatasetReader: places of records and of bad records in JSONL and JSON files.
import DispoDatasets
import DispoSupport
import Foundation
import XCTest

final class DatasetReaderTests: XCTestCase {
    private func rows(_ path: String) throws -> [DatasetRow] {
        var rows: [DatasetRow] = []
        try DatasetReader(path: path).forEach { rows.append($0) }
        return rows
    }

    func test_jsonl_rows_carry_line_numbers_and_blank_lines_are_skipped() throws {
        let path = try scratchDirectory() + "/d.jsonl"
        try AtomicFile.write("{\"a\":1}\n\n{\"a\":2}\nnot json\n[1]\n", to: path)
        let rows = try rows(path)
        XCTAssertEqual(rows.map(\.place), ["line 1", "line 3", "line 4", "line 5"])
        XCTAssertEqual(rows.map(\.index), [0, 1, 2, 3])
        XCTAssertEqual(try rows[1].object.get()["a"], .number(2, "2"))
        guard case .failure(let bad) = rows[2].object, case .failure(let array) = rows[3].object else {
            return XCTFail("lines 4 and 5 should be errors")
        }
        XCTAssertTrue(bad.description.hasPrefix(path + ": line 4: expected a JSON object, found invalid JSON"), bad.description)
        XCTAssertTrue(array.description.contains("found an array"), array.description)
        XCTAssertEqual(try DatasetReader(path: path).countRecords(), 4)
    }

    func test_invalid_utf8_is_named() throws {
        let path = try scratchDirectory() + "/d.jsonl"
        try AtomicFile.write(Array("{\"a\":\"x\"}\n{\"a\":\"".utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8), to: path)
        let rows = try rows(path)
        guard case .failure(let error) = rows[1].object else { return XCTFail("expected a UTF-8 error") }
        XCTAssertEqual(error.place, "line 2")
        XCTAssertTrue(error.expected.contains("UTF-8"))
    }

    func test_json_array_rows_use_json_paths() throws {
        let path = try scratchDirectory() + "/d.json"
        try AtomicFile.write("[{\"a\":1}, 3]", to: path)
        let rows = try rows(path)
        XCTAssertEqual(rows.map(\.place), ["$[0]", "$[1]"])
        guard case .failure = rows[1].object else { return XCTFail("$[1] is not an object") }
        try AtomicFile.write("{\"a\":1}", to: path)
        XCTAssertThrowsError(try self.rows(path)) { error in
            XCTAssertTrue("\(error)".contains("expected a JSON array of objects"), "\(error)")
        }
    }

    func test_missing_file_is_named() {
        XCTAssertThrowsError(try DatasetReader(path: "/nonexistent/x.jsonl")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.jsonl"), "\(error)")
        }
    }
}
