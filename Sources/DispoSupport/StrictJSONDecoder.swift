// A Decoder over `JSONValue` for configuration files: any `Decodable` type reads strictly, with errors
// that name the file, the JSON path and the line, and with keys the type never asked for rejected (a typo
// in a pipeline file is an error, not a silently ignored setting). Numbers must fit the requested type
// exactly (2.5 is not an Int). Types' own `validate()` checks ranges afterwards. Files written by other
// tools (Hugging Face config.json, tokenizer_config.json) carry keys dispo has no use for: decode those with
// `allowUnknownKeys`, which keeps every other check.

public struct StrictJSONDecoder {
    /// Accept object members the type never asks for (files of other tools); types and ranges stay strict.
    public var allowUnknownKeys: Bool

    public init(allowUnknownKeys: Bool = false) {
        self.allowUnknownKeys = allowUnknownKeys
    }

    /// Decodes `T` from `root` (read from `file`), then rejects every object member that was never asked for.
    public func decode<T: Decodable>(_ type: T.Type, from root: JSONNodeValue, file: String) throws -> T {
        let registry = AskedKeys()
        let decoder = NodeDecoder(node: root, file: file, path: [], registry: registry)
        let value: T
        do {
            value = try T(from: decoder)
        } catch let error as DecodingError {
            throw Self.inputError(error, file: file, root: root)
        }
        if !allowUnknownKeys { try registry.checkUnknown(root, file: file, path: []) }
        return value
    }

    public func decode<T: Decodable>(_ type: T.Type, fromFile path: String) throws -> T {
        try decode(type, from: try JSONParser.parse(contentsOf: path), file: path)
    }

    /// Decodes `T` from JSON `text` (errors name `file`).
    public func decode<T: Decodable>(_ type: T.Type, fromText text: String, file: String = "JSON text") throws -> T {
        try decode(type, from: try JSONParser.parse(text, file: file), file: file)
    }

    /// JSON path text for coding keys: `$.a.b[2]`.
    static func pathText(_ path: [any CodingKey]) -> String {
        path.reduce("$") { text, key in
            if let i = key.intValue { return "\(text)[\(i)]" }
            return "\(text).\(key.stringValue)"
        }
    }

    /// Converts errors thrown by types' own `init(from:)` (e.g. `dataCorrupted`) into InputErrors.
    static func inputError(_ error: DecodingError, file: String, root: JSONNodeValue) -> InputError {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context):
            let node = lookup(root, context.codingPath)
            let place = "\(pathText(context.codingPath))" + (node.map { " (line \($0.line))" } ?? "")
            return InputError(file: file, place: place, expected: context.debugDescription, found: node?.value.kindDescription)
        case .keyNotFound(let key, let context):
            let node = lookup(root, context.codingPath)
            return InputError(file: file, place: pathText(context.codingPath + [key])
                                  + (node.map { " (in the object at line \($0.line))" } ?? ""),
                              expected: "a key \"\(key.stringValue)\"", found: "no such key")
        @unknown default:
            return InputError(file: file, expected: "a valid document", found: "\(error)")
        }
    }

    static func lookup(_ root: JSONNodeValue, _ path: [any CodingKey]) -> JSONNodeValue? {
        var node = root
        for key in path {
            switch node.value {
            case .object(let members):
                guard let member = members.first(where: { $0.key == key.stringValue }) else { return node }
                node = member.value
            case .array(let elements):
                guard let i = key.intValue, i < elements.count else { return node }
                node = elements[i]
            default: return node
            }
        }
        return node
    }
}

/// Which object members were asked for, by path.
final class AskedKeys {
    var asked: [String: Set<String>] = [:]

    func ask(_ key: String, at path: [any CodingKey]) {
        asked[StrictJSONDecoder.pathText(path), default: []].insert(key)
    }

    func checkUnknown(_ node: JSONNodeValue, file: String, path: [any CodingKey]) throws {
        switch node.value {
        case .object(let members):
            let here = StrictJSONDecoder.pathText(path)
            guard let allowed = asked[here] else { return }   // decoded as a whole (e.g. a free-form value)
            for (key, value) in members {
                guard allowed.contains(key) else {
                    let names = allowed.sorted()
                    throw InputError(file: file, place: "\(here).\(key) (line \(value.line))",
                                     expected: "one of the keys \(names.joined(separator: ", "))",
                                     found: "unknown key \"\(key)\"",
                                     hint: JSONReader.suggestion(for: key, among: names).map { "did you mean \"\($0)\"?" })
                }
                try checkUnknown(value, file: file, path: path + [AnyKey(key)])
            }
        case .array(let elements):
            for (i, e) in elements.enumerated() { try checkUnknown(e, file: file, path: path + [AnyKey(i)]) }
        default: return
        }
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ s: String) { stringValue = s; intValue = nil }
    init(_ i: Int) { stringValue = "\(i)"; intValue = i }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}

struct NodeDecoder: Decoder {
    let node: JSONNodeValue
    let file: String
    let path: [any CodingKey]
    let registry: AskedKeys
    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func fail(_ expected: String) -> InputError {
        InputError(file: file, place: "\(StrictJSONDecoder.pathText(path)) (line \(node.line))", expected: expected,
                   found: node.value.kindDescription)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = node.value else { throw fail("an object") }
        registry.asked[StrictJSONDecoder.pathText(path), default: []].formUnion([])
        return KeyedDecodingContainer(KeyedNodeContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = node.value else { throw fail("an array") }
        return UnkeyedNodeContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNodeContainer(decoder: self) }

    func child(_ node: JSONNodeValue, _ key: any CodingKey) -> NodeDecoder {
        NodeDecoder(node: node, file: file, path: path + [key], registry: registry)
    }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let members: [(key: String, value: JSONNodeValue)]
    var codingPath: [any CodingKey] { decoder.path }
    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.key) } }

    func member(_ key: Key) -> JSONNodeValue? {
        decoder.registry.ask(key.stringValue, at: decoder.path)
        return members.first(where: { $0.key == key.stringValue })?.value
    }

    func contains(_ key: Key) -> Bool { member(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { member(key).map { $0.value == .null } ?? true }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard let node = member(key) else {
            throw InputError(file: decoder.file,
                             place: "\(StrictJSONDecoder.pathText(decoder.path + [key])) (in the object at line \(decoder.node.line))",
                             expected: "a key \"\(key.stringValue)\"", found: "no such key")
        }
        return try T(from: decoder.child(node, key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let node = member(key), node.value != .null else { return nil }
        return try T(from: decoder.child(node, key))
    }

    func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: Key) throws -> KeyedDecodingContainer<N> {
        guard let node = member(key) else { throw decoder.fail("a key \"\(key.stringValue)\"") }
        return try decoder.child(node, key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        guard let node = member(key) else { throw decoder.fail("a key \"\(key.stringValue)\"") }
        return try decoder.child(node, key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder {
        guard let node = member(key) else { throw decoder.fail("a key \"\(key.stringValue)\"") }
        return decoder.child(node, key)
    }
}

struct UnkeyedNodeContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let elements: [JSONNodeValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.path }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else { throw decoder.fail("more elements") }
        defer { currentIndex += 1 }
        return decoder.child(elements[currentIndex], AnyKey(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex].value == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: try next()) }
    mutating func nestedContainer<N: CodingKey>(keyedBy type: N.Type) throws -> KeyedDecodingContainer<N> {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct SingleNodeContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.path }

    func decodeNil() -> Bool { decoder.node.value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let b) = decoder.node.value else { throw decoder.fail("true or false") }
        return b
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let s) = decoder.node.value else { throw decoder.fail("a string") }
        return s
    }

    func number() throws -> Double {
        guard case .number(let d, _) = decoder.node.value else { throw decoder.fail("a number") }
        return d
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        // Digits as written first: a double holds integers exactly only up to 2^53 (seeds are 64-bit).
        if case .number(_, let text) = decoder.node.value, let exact = I(text) { return exact }
        guard case .number(let d, _) = decoder.node.value, d == d.rounded() else {
            throw decoder.fail(I.isSigned ? "a whole number" : "a non-negative whole number")
        }
        guard let i = I(exactly: d) else { throw decoder.fail("a whole number in [\(I.min), \(I.max)]") }
        return i
    }

    func decode(_ type: Double.Type) throws -> Double { try number() }
    func decode(_ type: Float.Type) throws -> Float {
        let value = Float(try number())
        guard value.isFinite else { throw decoder.fail("a number within ±3.4e38 (the range of a 32-bit float)") }
        return value
    }
    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: decoder) }
}
