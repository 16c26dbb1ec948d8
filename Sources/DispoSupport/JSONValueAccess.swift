// Loose access to a parsed JSON value, for reading output of other programs (benchmark baselines, dispo's
// own output in tests) where a missing or mistyped member is an "unavailable" answer, not an input error
// to report: typed views that are nil for other kinds, members by key and elements by index (settable, so
// a document can be edited and written back with `JSONWriter.text`). Configuration files are read with
// `JSONReader` or `StrictJSONDecoder` instead, which name the place of every problem.

extension JSONValue {
    /// Parses `text` (errors name `file`).
    public static func parse(_ text: String, file: String = "JSON text") throws -> JSONValue {
        try JSONParser.parse(text, file: file).value
    }

    /// Parses UTF-8 `bytes`; nil when they are not UTF-8 or not JSON.
    public static func parse(bytes: some Sequence<UInt8>) -> JSONValue? {
        guard let text = String(validating: Array(bytes), as: UTF8.self) else { return nil }
        return try? parse(text)
    }

    public init(_ value: Int) { self = .number(Double(value), String(value)) }
    public init(_ value: Double) { self = .number(value, JSONWriter.number(value)) }
    public init(_ value: String) { self = .string(value) }

    public var double: Double? {
        guard case .number(let d, _) = self else { return nil }
        return d
    }

    /// A whole number that fits an Int.
    public var int: Int? {
        guard case .number(let d, let text) = self else { return nil }
        if let exact = Int(text) { return exact }
        return d == d.rounded() ? Int(exactly: d) : nil
    }

    public var string: String? {
        guard case .string(let s) = self else { return nil }
        return s
    }

    public var bool: Bool? {
        guard case .bool(let b) = self else { return nil }
        return b
    }

    public var elements: [JSONValue]? {
        guard case .array(let nodes) = self else { return nil }
        return nodes.map(\.value)
    }

    /// An array of whole numbers (nil when any element is not one).
    public var ints: [Int]? { homogeneous(\.int) }
    /// An array of numbers (nil when any element is not one).
    public var doubles: [Double]? { homogeneous(\.double) }
    /// An array of strings (nil when any element is not one).
    public var strings: [String]? { homogeneous(\.string) }

    private func homogeneous<T>(_ view: (JSONValue) -> T?) -> [T]? {
        guard let elements else { return nil }
        let values = elements.compactMap(view)
        return values.count == elements.count ? values : nil
    }

    /// Members of an object in file order.
    public var members: [(key: String, value: JSONValue)]? {
        guard case .object(let nodes) = self else { return nil }
        return nodes.map { ($0.key, $0.value.value) }
    }

    /// The numeric members of an object (other kinds skipped); empty for other values.
    public var numbers: [String: Double] {
        var out: [String: Double] = [:]
        for (key, value) in members ?? [] { if let d = value.double { out[key] = d } }
        return out
    }

    /// The member `key` of an object; setting nil removes it, setting a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { members?.first { $0.key == key }?.value }
        set {
            guard case .object(var nodes) = self else { return }
            let index = nodes.firstIndex { $0.key == key }
            switch (index, newValue) {
            case (let i?, let value?): nodes[i].value.value = value
            case (let i?, nil): nodes.remove(at: i)
            case (nil, let value?): nodes.append((key, JSONNodeValue(value: value, line: 0)))
            case (nil, nil): break
            }
            self = .object(nodes)
        }
    }

    /// Element `index` of an array (nil when out of range); setting replaces an existing element.
    public subscript(index: Int) -> JSONValue? {
        get {
            guard let elements, elements.indices.contains(index) else { return nil }
            return elements[index]
        }
        set {
            guard case .array(var nodes) = self, nodes.indices.contains(index), let newValue else { return }
            nodes[index].value = newValue
            self = .array(nodes)
        }
    }
}
