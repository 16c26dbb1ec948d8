// What templates can call besides filters: Jinja's tests (`is defined`, `is string`, …), the global functions
// transformers' environment provides (range, namespace, dict, raise_exception, strftime_now; lipsum, cycler and
// joiner exist but are not supported), and the Python methods of strings (split, strip, startswith, …) and dicts
// (items, keys, values, get) that chat templates call.

import DispoSupport
import Foundation

enum TemplateTests {
    static let names: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "sameas", "eq", "equalto", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">",
        "ge", ">=", "in", "odd", "even", "divisibleby", "lower", "upper",
    ]

    static func apply(_ name: String, to value: TemplateValue, _ args: [TemplateValue], renderer r: TemplateRenderer,
                      at offset: Int) throws -> Bool {
        func argument() throws -> TemplateValue {
            guard args.count == 1 else { throw r.fail("one argument to the test \(name)", offset) }
            return args[0]
        }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true }; return false
        case "boolean": if case .bool = value { return true }; return false
        case "false": if case .bool(false) = value { return true }; return false
        case "true": if case .bool(true) = value { return true }; return false
        case "integer": if case .int = value { return true }; return false
        case "float": if case .double = value { return true }; return false
        case "number": return value.number != nil
        case "string": if case .string = value { return true }; return false
        case "mapping": if case .dict = value { return true }; return false
        case "iterable", "sequence":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable": if case .callable = value { return true }; return false
        case "sameas":
            let other = try argument()
            switch (value, other) {
            case (.none, .none): return true
            case let (.bool(a), .bool(b)): return a == b
            case let (.int(a), .int(b)): return a == b
            case let (.namespace(a), .namespace(b)): return a === b
            default: return false
            }
        case "eq", "equalto", "==": return try r.compare("==", value, try argument(), at: offset)
        case "ne", "!=": return try r.compare("!=", value, try argument(), at: offset)
        case "lt", "<": return try r.compare("<", value, try argument(), at: offset)
        case "le", "<=": return try r.compare("<=", value, try argument(), at: offset)
        case "gt", ">": return try r.compare(">", value, try argument(), at: offset)
        case "ge", ">=": return try r.compare(">=", value, try argument(), at: offset)
        case "in": return try r.contains(try argument(), value, at: offset)
        case "odd", "even", "divisibleby":
            guard let i = value.integer else { throw r.fail("an integer for the test \(name); found \(r.describe(value))", offset) }
            if name == "odd" { return i % 2 != 0 }
            if name == "even" { return i % 2 == 0 }
            guard let d = try argument().integer, d != 0 else { throw r.fail("a non-zero integer divisor", offset) }
            return i % d == 0
        case "lower", "upper":
            guard case .string(let s) = value else { return false }
            let hasCased = s.lowercased() != s.uppercased()
            return hasCased && (name == "lower" ? s == s.lowercased() : s == s.uppercased())
        default:
            throw r.fail("a supported test; `\(name)` is not supported", offset)
        }
    }
}

enum TemplateGlobals {
    static let functions: Set<String> = ["range", "namespace", "dict", "raise_exception", "strftime_now", "lipsum", "cycler", "joiner"]

    static func value(_ name: String) -> TemplateValue? {
        functions.contains(name) ? .callable(TemplateCallable(kind: .global(name))) : nil
    }

    static func call(_ name: String, _ positional: [TemplateValue], _ keyword: [(name: String, value: TemplateValue)],
                     renderer r: TemplateRenderer, at offset: Int) throws -> TemplateValue {
        switch name {
        case "range":
            guard keyword.isEmpty, (1...3).contains(positional.count) else { throw r.fail("range(stop) or range(start, stop[, step])", offset) }
            let ints = try positional.map { value -> Int in
                guard let i = value.integer else { throw r.fail("integer arguments to range", offset) }
                return i
            }
            let (start, stop, step) = ints.count == 1 ? (0, ints[0], 1) : (ints[0], ints[1], ints.count == 3 ? ints[2] : 1)
            guard step != 0 else { throw r.fail("a range step other than 0", offset) }
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= TemplateRenderer.maxSteps else { throw r.fail("a range of at most \(TemplateRenderer.maxSteps) numbers", offset) }
            return .list(stride(from: start, to: stop, by: step).map { .int($0) })
        case "namespace", "dict":
            var attributes = TemplateDict()
            for value in positional {
                guard case .dict(let d) = value else { throw r.fail("a dict or keyword arguments to \(name)()", offset) }
                for (k, v) in d.items { attributes[k] = v }
            }
            for (k, v) in keyword { attributes[k] = v }
            return name == "dict" ? .dict(attributes) : .namespace(TemplateNamespace(attributes))
        case "raise_exception":
            let message = positional.first?.pythonString ?? ""
            throw r.fail("a conversation this chat template accepts; the template raised: \(message)", offset)
        case "strftime_now":
            guard positional.count == 1, case .string(let format) = positional[0] else { throw r.fail("strftime_now(format)", offset) }
            return .string(strftimeNow(format))
        default:
            throw r.fail("a supported global function; `\(name)()` is not supported", offset)
        }
    }

    /// The current local time formatted with C `strftime` (what Python's `datetime.now().strftime` does).
    static func strftimeNow(_ format: String) -> String {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 512)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

enum TemplateMethods {
    static let stringMethods: Set<String> = [
        "startswith", "endswith", "split", "rsplit", "strip", "lstrip", "rstrip", "lower", "upper", "capitalize",
        "replace", "find", "rfind", "count", "join", "splitlines", "removeprefix", "removesuffix", "isdigit", "isspace",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    private static let stringParameters: [String: [String]] = [
        "split": ["sep", "maxsplit"], "rsplit": ["sep", "maxsplit"], "strip": ["chars"], "lstrip": ["chars"],
        "rstrip": ["chars"], "startswith": ["prefix"], "endswith": ["suffix"], "replace": ["old", "new", "count"],
        "find": ["sub"], "rfind": ["sub"], "count": ["sub"], "removeprefix": ["prefix"], "removesuffix": ["suffix"],
        "join": ["iterable"],
    ]

    static func call(_ name: String, on receiver: TemplateValue, _ positional: [TemplateValue],
                     _ keyword: [(name: String, value: TemplateValue)], renderer r: TemplateRenderer,
                     at offset: Int) throws -> TemplateValue {
        switch receiver {
        case .string(let s): return try stringMethod(name, s, positional, keyword, renderer: r, at: offset)
        case .dict(let d):
            let args = try TemplateArgs(positional, keyword, names: name == "get" ? ["key", "default"] : [],
                                        function: "dict.\(name)", renderer: r, at: offset)
            switch name {
            case "items": return .list(d.items.map { .tuple([.string($0.0), $0.1]) })
            case "keys": return .list(d.keys.map { .string($0) })
            case "values": return .list(d.items.map { $0.1 })
            default:
                guard let key = try args.string(0) else { throw r.fail("a string key for dict.get", offset) }
                return d[key] ?? args[1] ?? .none
            }
        case .int(let index) where name == "loop.cycle":
            guard !positional.isEmpty else { throw r.fail("at least one value to loop.cycle", offset) }
            return positional[index % positional.count]
        default:
            throw r.fail("a supported method; `\(name)` of a \(receiver.typeName) is not supported", offset)
        }
    }

    private static func stringMethod(_ name: String, _ s: String, _ positional: [TemplateValue],
                                     _ keyword: [(name: String, value: TemplateValue)], renderer r: TemplateRenderer,
                                     at offset: Int) throws -> TemplateValue {
        let args = try TemplateArgs(positional, keyword, names: stringParameters[name] ?? [], function: "str.\(name)",
                                    renderer: r, at: offset)
        func needle() throws -> String {
            guard let sub = try args.string(0) else { throw r.fail("a string argument to str.\(name)", offset) }
            return sub
        }
        switch name {
        case "startswith", "endswith":
            let candidates: [TemplateValue]
            if case .tuple(let items)? = args[0] { candidates = items } else { candidates = [args[0] ?? .none] }
            return .bool(try candidates.contains { candidate in
                guard case .string(let p) = candidate else { throw r.fail("a string or tuple of strings to str.\(name)", offset) }
                return name == "startswith" ? s.utf8.starts(with: p.utf8) : s.utf8.reversed().starts(with: p.utf8.reversed())
            })
        case "split", "rsplit":
            let separator = try args.string(0)
            if separator == "" { throw r.fail("a non-empty separator for str.\(name)", offset) }
            let parts = PythonText.split(s, separator: separator, maxSplit: args.given(1)?.integer ?? -1, fromRight: name == "rsplit")
            return .list(parts.map { .string($0) })
        case "strip", "lstrip", "rstrip":
            return .string(PythonText.strip(s, chars: try args.string(0), leading: name != "rstrip", trailing: name != "lstrip"))
        case "lower": return .string(s.lowercased())
        case "upper": return .string(s.uppercased())
        case "capitalize": return .string(s.prefix(1).uppercased() + s.dropFirst().lowercased())
        case "replace":
            guard let old = try args.string(0), let new = try args.string(1), !old.isEmpty else {
                throw r.fail("str.replace(old, new) with a non-empty old string", offset)
            }
            return .string(PythonText.split(s, separator: old, maxSplit: args.given(2)?.integer ?? -1).joined(separator: new))
        case "find", "rfind":
            let sub = try needle()
            guard let byte = PythonText.find(s, sub, last: name == "rfind") else { return .int(-1) }
            return .int(String(decoding: Array(s.utf8)[..<byte], as: UTF8.self).unicodeScalars.count)
        case "count":
            let sub = try needle()
            if sub.isEmpty { return .int(s.unicodeScalars.count + 1) }
            return .int(PythonText.split(s, separator: sub, maxSplit: -1).count - 1)
        case "join":
            let items = try r.iterate(args[0] ?? .none, at: offset)
            return .string(try items.map { item -> String in
                guard case .string(let t) = item else { throw r.fail("strings to join; found a \(item.typeName)", offset) }
                return t
            }.joined(separator: s))
        case "splitlines": return .list(PythonText.splitLines(s).map { .string($0) })
        case "removeprefix":
            let p = try needle()
            return .string(s.utf8.starts(with: p.utf8) ? String(decoding: Array(s.utf8).dropFirst(p.utf8.count), as: UTF8.self) : s)
        case "removesuffix":
            let p = try needle()
            return .string(s.utf8.reversed().starts(with: p.utf8.reversed())
                ? String(decoding: Array(s.utf8).dropLast(p.utf8.count), as: UTF8.self) : s)
        case "isdigit": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(PythonText.isSpace))
        default: throw r.fail("a supported string method; `\(name)` is not supported", offset)
        }
    }
}
