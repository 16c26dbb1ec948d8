// Reads the records of a dataset file: JSON Lines (one object per line) or a JSON array of objects.
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

/// One record of a dataset: its JSON object (or the reason it is bad) and where it is.
public struct DatasetRow {
    /// 0-based index among the file's records (blank lines are not records).
    public var index: Int
    /// `line N` (1-based) for JSONL, `$[i]` for a JSON array.
    public var place: String
    public var object: Result<[String: Any], InputError>
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
                let row = DatasetRow(index: index, place: "line \(lineNumber)", object: parseObject(line, place: "line \(lineNumber)"))
                index += 1
                do { try body(row) } catch { failure = error }
            }
            if let failure { throw failure }
        case .json:
            let array = try parseArray()
            for (i, element) in array.enumerated() {
                let place = "$[\(i)]"
                let object: Result<[String: Any], InputError>
                if let dict = element as? [String: Any] {
                    object = .success(dict)
                } else {
                    object = .failure(InputError(file: path, place: place, expected: "a JSON object",
                                                 found: Self.describe(element)))
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

    private func parseObject(_ line: UnsafeRawBufferPointer, place: String) -> Result<[String: Any], InputError> {
        let data = Data(line)
        guard String(validating: data, as: UTF8.self) != nil else {
            return .failure(InputError(file: path, place: place, expected: "valid UTF-8 text",
                                       found: "invalid UTF-8 bytes"))
        }
        do {
            let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            guard let object = value as? [String: Any] else {
                return .failure(InputError(file: path, place: place, expected: "a JSON object",
                                           found: Self.describe(value)))
            }
            return .success(object)
        } catch {
            let text = String(decoding: data, as: UTF8.self)
            return .failure(InputError(file: path, place: place, expected: "a JSON object",
                                       found: "invalid JSON \(InputError.excerpt(text, limit: 40))"))
        }
    }

    private func parseArray() throws -> [Any] {
        let data = Data(file.bytes)
        guard String(validating: data, as: UTF8.self) != nil else {
            throw InputError(file: path, expected: "valid UTF-8 text", found: "invalid UTF-8 bytes")
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw InputError(file: path, expected: "a JSON array of objects", found: "invalid JSON (\(error.localizedDescription))",
                             hint: "use --format jsonl for one object per line")
        }
        guard let array = value as? [Any] else {
            throw InputError(file: path, place: "$", expected: "a JSON array of objects", found: Self.describe(value),
                             hint: "use --format jsonl for one object per line")
        }
        return array
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    static func describe(_ value: Any) -> String {
        switch value {
        case is String: return "a string"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "a number or boolean"
        }
    }
}
