// Reads the records of a dataset file: JSON Lines (one object per line) or a JSON array of objects, with
// DispoSupport's strict JSON parser (numbers keep their source text, so "025" and 27.0 stay as written).
// Each record comes with its place in the file (`line 12` or `$[11]`), so every later error can say
// exactly where the bad record is. JSONL is memory-mapped and parsed line by line, so memory does not
// grow with the file; a JSON array has to be parsed whole.

import DispoSupport
import Foundation

/// The two file layouts dispo reads datasets from.
public enum DatasetFormat: String, Sendable, CaseIterable {
    case jsonl, json

    /// `.jsonl`/`.ndjson` → jsonl, `.json` → json; otherwise nil (the caller then sniffs the first byte).
    public static func guess(path: String) -> DatasetFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
        if lower.hasSuffix(".json") { return .json }
        return nil
    }
}

/// The fields of one record: a JSON object's members in file order.
public struct DatasetRecord: Sendable {
    public let members: [(key: String, value: JSONValue)]

    public init(_ members: [(key: String, value: JSONValue)]) { self.members = members }

    /// The value of `key` (JSON null included), nil when the record has no such field.
    public subscript(key: String) -> JSONValue? { members.first { $0.key == key }?.value }

    public var keys: [String] { members.map(\.key) }
}

/// One record of a dataset: its JSON object (or the reason it is bad) and where it is.
public struct DatasetRow {
    /// 0-based index among the file's records (blank lines are not records).
    public var index: Int
    /// `line N` (1-based) for JSONL, `$[i]` for a JSON array.
    public var place: String
    public var object: Result<DatasetRecord, InputError>
}

/// Iterates the records of one dataset file.
public final class DatasetReader {
    public let path: String
    public let format: DatasetFormat
    private let file: MappedFile
    /// Bytes consumed so far, for progress reporting.
    public private(set) var bytesRead = 0
    public var totalBytes: Int { file.count }

    public init(path: String, format: DatasetFormat? = nil) throws {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch let error as SystemError {
            throw InputError(file: path, expected: "a readable dataset file", found: "\(error)")
        }
        if let format {
            self.format = format
        } else if let guessed = DatasetFormat.guess(path: path) {
            self.format = guessed
        } else {
            let first = file.bytes.first(where: { !Self.isSpace($0) })
            self.format = first == UInt8(ascii: "[") ? .json : .jsonl
        }
        file.advise(sequential: true)
    }

    /// Counts the records without parsing them (non-blank lines for JSONL; the array length for JSON).
    public func countRecords() throws -> Int {
        switch format {
        case .jsonl:
            var count = 0
            forEachLine { _, line in
                if line.contains(where: { !Self.isSpace($0) }) { count += 1 }
            }
            return count
        case .json:
            return try parseArray().count
        }
    }

    /// Calls `body` with every record, in file order.
    public func forEach(_ body: (DatasetRow) throws -> Void) throws {
        switch format {
        case .jsonl:
            var index = 0
            var failure: (any Error)?
            forEachLine { lineNumber, line in
                guard failure == nil, line.contains(where: { !Self.isSpace($0) }) else { return }
                let row = DatasetRow(index: index, place: "line \(lineNumber)", object: parseObject(line, lineNumber: lineNumber))
                index += 1
                do { try body(row) } catch { failure = error }
            }
            if let failure { throw failure }
        case .json:
            let array = try parseArray()
            for (i, element) in array.enumerated() {
                let place = "$[\(i)]"
                let object: Result<DatasetRecord, InputError>
                if case .object(let members) = element.value {
                    object = .success(DatasetRecord(members.map { ($0.key, $0.value.value) }))
                } else {
                    object = .failure(InputError(file: path, place: "\(place) (line \(element.line))", expected: "a JSON object",
                                                 found: element.value.kindDescription))
                }
                try body(DatasetRow(index: i, place: place, object: object))
                bytesRead = file.count * (i + 1) / max(array.count, 1)
            }
        }
    }

    private func forEachLine(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        let bytes = file.bytes
        var start = 0
        var lineNumber = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            body(lineNumber, UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            start = end + 1
            bytesRead = min(start, bytes.count)
            lineNumber += 1
        }
    }

    private func parseObject(_ line: UnsafeRawBufferPointer, lineNumber: Int) -> Result<DatasetRecord, InputError> {
        let place = "line \(lineNumber)"
        guard let text = String(validating: line, as: UTF8.self) else {
            return .failure(InputError(file: path, place: place, expected: "valid UTF-8 text", found: "invalid UTF-8 bytes"))
        }
        do {
            let value = try JSONParser.parse(text, file: path, firstLine: lineNumber)
            guard case .object(let members) = value.value else {
                return .failure(InputError(file: path, place: place, expected: "a JSON object", found: value.value.kindDescription))
            }
            return .success(DatasetRecord(members.map { ($0.key, $0.value.value) }))
        } catch let error as InputError where JSONParser.isValidSyntax(error) {
            return .failure(error)   // valid JSON dispo refuses: a number out of range, a key given twice
        } catch let error as InputError {
            return .failure(InputError(file: path, place: place, expected: "a JSON object",
                                       found: "invalid JSON \(InputError.excerpt(text, limit: 40)) (expected \(error.expected))"))
        } catch {
            return .failure(InputError(file: path, place: place, expected: "a JSON object", found: "invalid JSON"))
        }
    }

    private func parseArray() throws -> [JSONNodeValue] {
        guard let text = String(validating: file.bytes, as: UTF8.self) else {
            throw InputError(file: path, expected: "valid UTF-8 text", found: "invalid UTF-8 bytes")
        }
        let value: JSONNodeValue
        do {
            value = try JSONParser.parse(text, file: path)
        } catch var error as InputError {
            error.hint = error.hint ?? "use --format jsonl for one object per line"
            throw error
        }
        guard case .array(let array) = value.value else {
            throw InputError(file: path, place: "$", expected: "a JSON array of objects", found: value.value.kindDescription,
                             hint: "use --format jsonl for one object per line")
        }
        return array
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
