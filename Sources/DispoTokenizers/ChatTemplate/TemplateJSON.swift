// The `tojson` filter as transformers defines it — Python's json.dumps(x, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False) — and the filters that walk a sequence: map, select, reject, selectattr,
// rejectattr (Jinja's semantics; their results are lists).

enum TemplateJSON {
    static func dumps(_ value: TemplateValue, indent: TemplateValue?, separators: TemplateValue?, sortKeys: Bool,
                      asciiOnly: Bool, renderer r: TemplateRenderer, at offset: Int) throws -> String {
        var writer = Writer(sortKeys: sortKeys, asciiOnly: asciiOnly, renderer: r, offset: offset)
        switch indent {
        case nil: break
        case .string(let s)?: writer.indent = s
        case let i? where i.integer != nil: writer.indent = String(repeating: " ", count: max(0, i.integer ?? 0))
        case let other?: throw r.fail("an integer or string indent for tojson; found a \(other.typeName)", offset)
        }
        writer.itemSeparator = writer.indent == nil ? ", " : ","
        if let separators {
            var pair: [TemplateValue] = []
            if case .list(let p) = separators { pair = p }
            if case .tuple(let p) = separators { pair = p }
            guard pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1] else {
                throw r.fail("separators as a pair of strings for tojson", offset)
            }
            writer.itemSeparator = a
            writer.keySeparator = b
        }
        return try writer.write(value, level: 0)
    }

    private struct Writer {
        let sortKeys: Bool
        let asciiOnly: Bool
        let renderer: TemplateRenderer
        let offset: Int
        var indent: String?
        var itemSeparator = ", "
        var keySeparator = ": "

        init(sortKeys: Bool, asciiOnly: Bool, renderer: TemplateRenderer, offset: Int) {
            self.sortKeys = sortKeys
            self.asciiOnly = asciiOnly
            self.renderer = renderer
            self.offset = offset
        }

        func string(_ s: String) -> String { asciiOnly ? TemplateJSON.asciiString(s) : PythonText.jsonString(s) }

        func write(_ v: TemplateValue, level: Int) throws -> String {
            switch v {
            case .none: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .int(let i): return String(i)
            case .double(let d):
                if d.isNaN { return "NaN" }
                if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
                return PythonText.floatRepr(d)
            case .string(let s): return string(s)
            case .list(let items), .tuple(let items):
                if items.isEmpty { return "[]" }
                return container("[", try items.map { try write($0, level: level + 1) }, "]", level)
            case .dict(let dict):
                if dict.count == 0 { return "{}" }
                let pairs = sortKeys ? dict.items.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) } : dict.items
                let parts = try pairs.map { key, item in string(key) + keySeparator + (try write(item, level: level + 1)) }
                return container("{", parts, "}", level)
            default:
                throw renderer.fail("a value JSON can hold (none, bool, number, string, list, dict) for tojson; found \(renderer.describe(v))", offset)
            }
        }

        func container(_ open: String, _ parts: [String], _ close: String, _ level: Int) -> String {
            guard let indent else { return open + parts.joined(separator: itemSeparator) + close }
            let inner = "\n" + String(repeating: indent, count: level + 1)
            let outer = "\n" + String(repeating: indent, count: level)
            return open + inner + parts.joined(separator: itemSeparator + inner) + outer + close
        }
    }

    /// json.dumps with ensure_ascii=True: every non-ASCII scalar as \uXXXX (UTF-16 surrogate pairs above U+FFFF).
    static func asciiString(_ s: String) -> String {
        let plain = PythonText.jsonString(s)
        var out = ""
        for scalar in plain.unicodeScalars {
            if scalar.isASCII { out.unicodeScalars.append(scalar); continue }
            for unit in String(scalar).utf16 { out += "\\u" + PythonText.hex(UInt32(unit), width: 4) }
        }
        return out
    }
}

enum TemplateSequenceFilters {
    static func apply(_ name: String, to value: TemplateValue, _ positional: [TemplateValue],
                      _ keyword: [(name: String, value: TemplateValue)], renderer r: TemplateRenderer,
                      at offset: Int) throws -> TemplateValue {
        let items = try r.iterate(value, at: offset)
        switch name {
        case "map":
            if let attribute = keyword.first(where: { $0.name == "attribute" })?.value {
                guard case .string(let path) = attribute else { throw r.fail("a string attribute for map", offset) }
                let fallback = keyword.first(where: { $0.name == "default" })?.value
                return .list(try items.map { item in
                    let v = try lookupPath(item, path, renderer: r, at: offset)
                    return v.isUndefined ? (fallback ?? v) : v
                })
            }
            guard case .string(let filter)? = positional.first, TemplateFilters.names.contains(filter) else {
                throw r.fail("map(attribute=NAME) or map(FILTER, …) with a supported filter", offset)
            }
            return .list(try items.map {
                try TemplateFilters.apply(filter, to: $0, Array(positional.dropFirst()), keyword, renderer: r, at: offset)
            })
        case "select", "reject":
            return .list(try items.filter { item in
                try passes(item, positional, renderer: r, at: offset) == (name == "select")
            })
        default:  // selectattr, rejectattr
            guard case .string(let path)? = positional.first else { throw r.fail("an attribute name for \(name)", offset) }
            return .list(try items.filter { item in
                let v = try lookupPath(item, path, renderer: r, at: offset)
                return try passes(v, Array(positional.dropFirst()), renderer: r, at: offset) == (name == "selectattr")
            })
        }
    }

    /// `test` named by the first argument (with the rest as its arguments), or truthiness without one.
    private static func passes(_ value: TemplateValue, _ args: [TemplateValue], renderer r: TemplateRenderer,
                               at offset: Int) throws -> Bool {
        guard let first = args.first else { return value.truthy }
        guard case .string(let test) = first, TemplateTests.names.contains(test) else {
            throw r.fail("the name of a supported test", offset)
        }
        return try TemplateTests.apply(test, to: value, Array(args.dropFirst()), renderer: r, at: offset)
    }

    /// `a.b.c` looked up member by member (a number is an index).
    private static func lookupPath(_ value: TemplateValue, _ path: String, renderer r: TemplateRenderer,
                                   at offset: Int) throws -> TemplateValue {
        var current = value
        for part in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            if current.isUndefined { return current }
            current = try Int(part).map { try r.item(current, .int($0), at: offset) } ?? r.attribute(current, part, at: offset)
        }
        return current
    }
}
