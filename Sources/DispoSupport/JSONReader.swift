// Strict, typed reading of a parsed JSON document, for configuration files. Each read names the value's
// JSON path and line in its error (`pipeline.json: $.algorithm.eps_pos_low (line 12): expected a number
// in [0, 1], found -0.2`), and an object reader rejects keys it was not asked about, suggesting the
// nearest valid key.

public struct JSONReader: Sendable {
    public let node: JSONNodeValue
    public let file: String
    public let path: String

    public init(node: JSONNodeValue, file: String, path: String = "$") {
        self.node = node
        self.file = file
        self.path = path
    }

    public static func open(_ file: String) throws -> JSONReader {
        JSONReader(node: try JSONParser.parse(contentsOf: file), file: file)
    }

    public var place: String { "\(path) (line \(node.line))" }

    public func error(_ expected: String, found: String? = nil, hint: String? = nil) -> InputError {
        InputError(file: file, place: place, expected: expected, found: found ?? node.value.kindDescription, hint: hint)
    }

    public var isNull: Bool { node.value == .null }

    public func string() throws -> String {
        guard case .string(let s) = node.value else { throw error("a string") }
        return s
    }

    public func bool() throws -> Bool {
        guard case .bool(let b) = node.value else { throw error("true or false") }
        return b
    }

    public func double(_ range: ClosedRange<Double>? = nil, _ what: String? = nil) throws -> Double {
        guard case .number(let d, _) = node.value else { throw error(what ?? "a number") }
        if let range, !range.contains(d) { throw error(what ?? "a number in [\(range.lowerBound), \(range.upperBound)]") }
        return d
    }

    public func int(_ range: ClosedRange<Int>? = nil, _ what: String? = nil) throws -> Int {
        guard case .number(let d, _) = node.value, d == d.rounded(), abs(d) < 9e15 else { throw error(what ?? "a whole number") }
        let i = Int(d)
        if let range, !range.contains(i) {
            let upper = range.upperBound == Int.max ? "∞" : "\(range.upperBound)"
            throw error(what ?? "a whole number in [\(range.lowerBound), \(upper)]")
        }
        return i
    }

    public func choice<E: RawRepresentable & CaseIterable>(_ type: E.Type) throws -> E where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        let expected = "one of \(names.joined(separator: ", "))"
        guard case .string(let s) = node.value else { throw error(expected) }
        guard let value = E(rawValue: s) else {
            throw error(expected, hint: JSONReader.suggestion(for: s, among: names).map { "did you mean \"\($0)\"?" })
        }
        return value
    }

    public func array() throws -> [JSONReader] {
        guard case .array(let elements) = node.value else { throw error("an array") }
        return elements.enumerated().map { JSONReader(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    public func object() throws -> JSONObjectReader {
        guard case .object(let members) = node.value else { throw error("an object") }
        return JSONObjectReader(reader: self, members: members)
    }

    /// The valid name closest to `name` by edit distance, if any is close.
    public static func suggestion(for name: String, among names: [String]) -> String? {
        let scored = names.map { ($0, editDistance(Array(name), Array($0))) }.min { $0.1 < $1.1 }
        guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return nil }
        return best
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// Reads the members of one object; `finish()` rejects members nobody asked about.
public final class JSONObjectReader {
    public let reader: JSONReader
    private let entries: [(key: String, value: JSONNodeValue)]
    private var asked: Set<String> = []

    init(reader: JSONReader, members: [(key: String, value: JSONNodeValue)]) {
        self.reader = reader
        self.entries = members
    }

    public var keys: [String] { entries.map(\.key) }

    /// Every member in file order (all count as asked about).
    public func members() -> [(key: String, node: JSONReader)] {
        for (key, _) in entries { asked.insert(key) }
        return entries.map { ($0.key, JSONReader(node: $0.value, file: reader.file, path: "\(reader.path).\($0.key)")) }
    }

    /// The member `key`, or nil when absent (JSON null counts as absent).
    public func optional(_ key: String) -> JSONReader? {
        asked.insert(key)
        guard let member = entries.first(where: { $0.key == key }), member.value.value != .null else { return nil }
        return JSONReader(node: member.value, file: reader.file, path: "\(reader.path).\(key)")
    }

    public func required(_ key: String, _ what: String = "a value") throws -> JSONReader {
        guard let member = optional(key) else {
            throw InputError(file: reader.file, place: reader.place, expected: "a key \"\(key)\" (\(what))", found: "no such key")
        }
        return member
    }

    /// Throws for the first key that was never asked about, naming the allowed keys.
    public func finish() throws {
        for (key, value) in entries where !asked.contains(key) {
            let allowed = asked.sorted()
            throw InputError(file: reader.file, place: "\(reader.path).\(key) (line \(value.line))",
                             expected: "one of the keys \(allowed.joined(separator: ", "))", found: "unknown key \"\(key)\"",
                             hint: JSONReader.suggestion(for: key, among: allowed).map { "did you mean \"\($0)\"?" })
        }
    }
}
