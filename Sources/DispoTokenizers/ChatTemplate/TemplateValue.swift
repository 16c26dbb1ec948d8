// The values a chat template computes with, following Python's data model as Jinja exposes it: None, bools,
// ints (checked: overflow is an error, not a wrap), floats, str (code points), list, tuple, dict (insertion
// ordered, string keys), Jinja's `namespace` (the one mutable object), the undefined value (empty when
// printed, false when tested, an error when used), macros and built-in callables. Truthiness, equality,
// ordering, `str()` and `repr()` follow Python.

import DispoSupport

public indirect enum TemplateValue: Sendable {
    /// A name or member that does not exist; the text says which, for errors.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([TemplateValue])
    case tuple([TemplateValue])
    case dict(TemplateDict)
    case namespace(TemplateNamespace)
    /// A callable: a macro, a global function (`range`, `namespace`, …) or a method bound to its receiver.
    case callable(TemplateCallable)

    /// A JSON document as a template value (objects become dicts in file order).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let d, let text):
            if let i = Int(text) { self = .int(i) } else { self = .double(d) }
        case .string(let s): self = .string(s)
        case .array(let items): self = .list(items.map { TemplateValue(json: $0.value) })
        case .object(let members):
            var dict = TemplateDict()
            for (key, node) in members { dict[key] = TemplateValue(json: node.value) }
            self = .dict(dict)
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }

    /// Python's truth value (undefined is false).
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l), .tuple(let l): return !l.isEmpty
        case .dict(let d): return d.count > 0
        case .namespace, .callable: return true
        }
    }

    /// The Python type name, for error messages.
    var typeName: String {
        switch self {
        case .undefined: return "undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "namespace"
        case .callable(let c): return c.typeName
        }
    }

    /// As a Double when numeric (bools count, as in Python).
    var number: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// As an Int when an int or bool.
    var integer: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }

    /// Python `==`.
    func pythonEquals(_ other: TemplateValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.items.allSatisfy { key, value in b[key].map { value.pythonEquals($0) } ?? false }
        case let (.namespace(a), .namespace(b)): return a === b
        default:
            if let i = integer, let j = other.integer { return i == j }
            if let x = number, let y = other.number { return x == y }
            return false
        }
    }

    /// Python ordering (`<`): numbers, strings by code point, lists and tuples lexicographically; nil otherwise.
    func pythonLess(_ other: TemplateValue) -> Bool? {
        switch (self, other) {
        case let (.string(a), .string(b)): return a.utf8.lexicographicallyPrecedes(b.utf8)
        case let (.list(a), .list(b)), let (.tuple(a), .tuple(b)):
            for (x, y) in zip(a, b) where !x.pythonEquals(y) { return x.pythonLess(y) }
            return a.count < b.count
        default:
            if let i = integer, let j = other.integer { return i < j }
            if let x = number, let y = other.number { return x < y }
            return nil
        }
    }

    /// Python `str()`; nil for values whose text is not supported here (so nothing different is printed).
    var pythonString: String? {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pythonRepr
        }
    }

    /// Python `repr()`.
    var pythonRepr: String? {
        switch self {
        case .undefined: return nil
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .double(let d): return PythonText.floatRepr(d)
        case .string(let s): return PythonText.repr(s)
        case .list(let items):
            let parts = items.compactMap(\.pythonRepr)
            guard parts.count == items.count else { return nil }
            return "[" + parts.joined(separator: ", ") + "]"
        case .tuple(let items):
            let parts = items.compactMap(\.pythonRepr)
            guard parts.count == items.count else { return nil }
            return "(" + parts.joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .dict(let dict):
            var parts: [String] = []
            for (key, value) in dict.items {
                guard let text = value.pythonRepr else { return nil }
                parts.append(PythonText.repr(key) + ": " + text)
            }
            return "{" + parts.joined(separator: ", ") + "}"
        case .namespace, .callable: return nil
        }
    }
}

/// A dict with string keys in insertion order (Python 3.7+ dicts are ordered).
public struct TemplateDict: Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: TemplateValue] = [:]

    public init() {}

    public var count: Int { keys.count }

    public subscript(key: String) -> TemplateValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var items: [(String, TemplateValue)] { keys.compactMap { key in values[key].map { (key, $0) } } }
}

/// Jinja's `namespace(…)`: attributes that `{% set ns.attr = … %}` can change from inside loops. Lives for one
/// render, on one thread.
public final class TemplateNamespace: @unchecked Sendable {
    var attributes = TemplateDict()
    init(_ attributes: TemplateDict) { self.attributes = attributes }
}

/// Something a template can call.
public struct TemplateCallable: Sendable {
    enum Kind: Sendable {
        /// A global function of the environment (`range`, `namespace`, `dict`, `raise_exception`, `strftime_now`, …).
        case global(String)
        /// A method of a value: `content.split`, `message.items`, `loop.cycle`.
        case method(TemplateValue, String)
        case macro(TemplateMacro)
    }
    let kind: Kind

    var typeName: String {
        switch kind {
        case .global: return "builtin_function_or_method"
        case .method: return "builtin_function_or_method"
        case .macro: return "Macro"
        }
    }
}

/// A `{% macro name(params) %}` definition.
struct TemplateMacro: Sendable {
    var name: String
    var parameters: [(name: String, defaultValue: TemplateExpr?)]
    var body: [TemplateNode]
}

extension TemplateValue: CustomStringConvertible {
    /// Python's `repr` of the value (`False`, `'26 Jul 2024'`, `[1, 2]`), as a template would print it in a list.
    public var description: String { pythonRepr ?? "<\(typeName)>" }
}
