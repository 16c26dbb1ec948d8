// The filters (`value | name(args)`) and tests (`value is name arg`) of the Jinja subset, with the behaviour of
// Jinja's built-ins and transformers' `tojson` (Python json.dumps: ensure_ascii False, indent, separators,
// sort_keys). Any other filter or test name is rejected when the template is parsed.

enum TemplateFilters {
    static let names: Set<String> = [
        "abs", "capitalize", "count", "d", "default", "first", "float", "indent", "int", "items", "join", "last",
        "length", "list", "lower", "map", "reject", "rejectattr", "replace", "reverse", "safe", "select", "selectattr",
        "string", "tojson", "trim", "upper",
    ]

    static func apply(_ name: String, to value: TemplateValue, _ positional: [TemplateValue],
                      _ keyword: [(name: String, value: TemplateValue)], renderer r: TemplateRenderer,
                      at offset: Int) throws -> TemplateValue {
        if ["map", "select", "reject", "selectattr", "rejectattr"].contains(name) {
            return try TemplateSequenceFilters.apply(name, to: value, positional, keyword, renderer: r, at: offset)
        }
        let args = try TemplateArgs(positional, keyword, names: parameterNames[name] ?? [], function: "filter \(name)",
                                    renderer: r, at: offset)
        func text() throws -> String {
            guard let s = value.pythonString else { throw r.fail("a value with a text form for filter \(name)", offset) }
            return s
        }
        switch name {
        case "trim":
            return .string(PythonText.strip(try text(), chars: try args.string(0), leading: true, trailing: true))
        case "tojson":
            return .string(try TemplateJSON.dumps(value, indent: args.given(0), separators: args.given(1),
                                                  sortKeys: args[2]?.truthy ?? false, asciiOnly: args[3]?.truthy ?? false,
                                                  renderer: r, at: offset))
        case "length", "count":
            return .int(try length(value, renderer: r, at: offset))
        case "string": return .string(try text())
        case "lower": return .string(try text().lowercased())
        case "upper": return .string(try text().uppercased())
        case "capitalize":
            let t = try text()
            return .string(t.prefix(1).uppercased() + t.dropFirst().lowercased())
        case "replace":
            guard let old = try args.string(0), let new = try args.string(1), !old.isEmpty else {
                throw r.fail("replace(old, new) with a non-empty old string", offset)
            }
            let parts = PythonText.split(try text(), separator: old, maxSplit: args.given(2)?.integer ?? -1)
            return .string(parts.joined(separator: new))
        case "d", "default":
            let useDefault = value.isUndefined || ((args[1]?.truthy ?? false) && !value.truthy)
            return useDefault ? (args[0] ?? .string("")) : value
        case "first", "last":
            let items = try r.iterate(value, at: offset)
            return (name == "first" ? items.first : items.last) ?? .undefined("\(name) of an empty sequence")
        case "list": return .list(try r.iterate(value, at: offset))
        case "reverse":
            if case .string(let s) = value { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .list(try r.iterate(value, at: offset).reversed())
        case "items":
            switch value {
            case .dict(let d): return .list(d.items.map { .tuple([.string($0.0), $0.1]) })
            case .undefined: return .list([])
            default: throw r.fail("a dict for filter items; found a \(value.typeName)", offset)
            }
        case "join": return try join(value, args: args, renderer: r, at: offset)
        case "int": return toInt(value, default: args[0] ?? .int(0))
        case "float": return toFloat(value, default: args[0] ?? .double(0))
        case "abs":
            if let i = value.integer, i != Int.min { return .int(abs(i)) }
            if case .double(let d) = value { return .double(abs(d)) }
            throw r.fail("a number for filter abs", offset)
        case "safe": return value
        case "indent": return .string(indent(try text(), args: args))
        default:
            throw r.fail("a supported filter; `\(name)` is not supported", offset)
        }
    }

    /// Jinja's `join(d='', attribute=None)`: the text of each item, joined.
    static func join(_ value: TemplateValue, args: TemplateArgs, renderer r: TemplateRenderer, at offset: Int) throws -> TemplateValue {
        let separator = try args.string(0) ?? ""
        var parts: [String] = []
        for item in try r.iterate(value, at: offset) {
            let element = try args.string(1).map { try r.attribute(item, $0, at: offset) } ?? item
            guard let s = element.pythonString else { throw r.fail("items with a text form for filter join", offset) }
            parts.append(s)
        }
        return .string(parts.joined(separator: separator))
    }

    static let parameterNames: [String: [String]] = [
        "trim": ["chars"], "tojson": ["indent", "separators", "sort_keys", "ensure_ascii"],
        "replace": ["old", "new", "count"], "d": ["default_value", "boolean"], "default": ["default_value", "boolean"],
        "join": ["d", "attribute"], "int": ["default", "base"], "float": ["default"], "indent": ["width", "first", "blank"],
    ]

    static func length(_ value: TemplateValue, renderer r: TemplateRenderer, at offset: Int) throws -> Int {
        switch value {
        case .string(let s): return s.unicodeScalars.count
        case .list(let l), .tuple(let l): return l.count
        case .dict(let d): return d.count
        case .undefined: return 0
        default: throw r.fail("something with a length (string, list or dict); found a \(value.typeName)", offset)
        }
    }

    /// Jinja's `int` filter: ints and bools as they are, floats truncated, numeric strings parsed, else the default.
    static func toInt(_ value: TemplateValue, default fallback: TemplateValue) -> TemplateValue {
        switch value {
        case .int, .bool: return value.integer.map { .int($0) } ?? fallback
        case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? .int(Int(d)) : fallback
        case .string(let s):
            let t = PythonText.strip(s, chars: nil, leading: true, trailing: true).replacingOccurrences(of: "_", with: "")
            if let i = Int(t) { return .int(i) }
            if let d = Double(t), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return fallback
        default: return fallback
        }
    }

    static func toFloat(_ value: TemplateValue, default fallback: TemplateValue) -> TemplateValue {
        if let d = value.number { return .double(d) }
        if case .string(let s) = value, let d = Double(PythonText.strip(s, chars: nil, leading: true, trailing: true)) {
            return .double(d)
        }
        return fallback
    }

    /// Jinja's `indent(width=4, first=False, blank=False)`.
    static func indent(_ text: String, args: TemplateArgs) -> String {
        let width = args.given(0) ?? .int(4)
        let pad: String
        if case .string(let s) = width { pad = s } else { pad = String(repeating: " ", count: max(0, width.integer ?? 4)) }
        let lines = PythonText.splitLines(text + "\n")
        var out: String
        if args[2]?.truthy ?? false {
            out = lines.joined(separator: "\n" + pad)
        } else {
            out = lines.first ?? ""
            let rest = lines.dropFirst().map { $0.isEmpty ? $0 : pad + $0 }
            if !rest.isEmpty { out += "\n" + rest.joined(separator: "\n") }
        }
        return (args[1]?.truthy ?? false) ? pad + out : out
    }
}

/// Arguments of a filter, test or function, by position with keyword names mapped onto positions.
struct TemplateArgs {
    private var values: [TemplateValue?]
    private let renderer: TemplateRenderer
    private let offset: Int
    private let function: String

    init(_ positional: [TemplateValue], _ keyword: [(name: String, value: TemplateValue)], names: [String],
         function: String, renderer: TemplateRenderer, at offset: Int) throws {
        guard positional.count <= names.count else {
            throw renderer.fail("at most \(names.count) arguments to \(function)", offset)
        }
        values = positional.map { Optional($0) } + Array(repeating: nil, count: max(0, names.count - positional.count))
        for (name, value) in keyword {
            guard let index = names.firstIndex(of: name) else {
                throw renderer.fail("a parameter of \(function) (\(names.joined(separator: ", "))); found `\(name)=`", offset)
            }
            values[index] = value
        }
        self.renderer = renderer
        self.offset = offset
        self.function = function
    }

    /// Argument `index` as given (none included); nil when not passed.
    subscript(index: Int) -> TemplateValue? {
        guard index < values.count else { return nil }
        return values[index]
    }

    /// Argument `index` unless absent or none.
    func given(_ index: Int) -> TemplateValue? {
        guard let value = self[index] else { return nil }
        if case .none = value { return nil }
        return value
    }

    /// Argument `index` as a string (nil when absent or none).
    func string(_ index: Int) throws -> String? {
        guard let value = given(index) else { return nil }
        guard case .string(let s) = value else { throw renderer.fail("a string argument to \(function); found a \(value.typeName)", offset) }
        return s
    }
}
