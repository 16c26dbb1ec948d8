// Expression evaluation with Python's semantics, as Jinja applies them: `and`/`or` return an operand, `+` adds
// numbers or joins strings/lists (never mixes them), `~` joins the `str()` of both sides, `/` is true division,
// `//` and `%` floor, ints are checked for overflow. Member access: `x.name` on a dict is the key (or one of
// the methods items/keys/values/get), on a string one of its methods; `x[i]` indexes from the end when
// negative; a missing key, attribute or index is undefined, but any use of the undefined value beyond testing,
// printing (empty) or iterating (nothing) is an error naming it.

extension TemplateRenderer {
    func evaluate(_ expr: TemplateExpr) throws -> TemplateValue {
        switch expr {
        case .literal(let literal, _):
            return literal.value
        case .name(let name, _):
            return lookup(name) ?? TemplateGlobals.value(name) ?? .undefined(name)
        case .list(let items, _):
            return .list(try items.map(evaluate))
        case .tuple(let items, _):
            return .tuple(try items.map(evaluate))
        case .dict(let pairs, let at):
            var dict = TemplateDict()
            for (keyExpr, valueExpr) in pairs {
                guard case .string(let key) = try evaluate(keyExpr) else { throw fail("string keys in a dict literal", at) }
                dict[key] = try evaluate(valueExpr)
            }
            return .dict(dict)
        case .attribute(let base, let name, let at):
            return try attribute(try defined(base), name, at: at)
        case .item(let base, let index, let at):
            return try item(try defined(base), try evaluate(index), at: at)
        case .slice(let base, let start, let stop, let step, let at):
            return try slice(try defined(base), start: start.map(evaluate), stop: stop.map(evaluate),
                             step: step.map(evaluate), at: at)
        case .call(let callee, let arguments, let at):
            return try evaluateCall(callee, arguments, at: at)
        case .filter(let base, let name, let arguments, let at):
            let positional = try arguments.positional.map(evaluate)
            let keyword = try arguments.keyword.map { ($0.name, try evaluate($0.value)) }
            return try TemplateFilters.apply(name, to: try evaluate(base), positional, keyword, renderer: self, at: at)
        case .test(let base, let name, let arguments, let negated, let at):
            let positional = try arguments.positional.map(evaluate)
            let result = try TemplateTests.apply(name, to: try evaluate(base), positional, renderer: self, at: at)
            return .bool(result != negated)
        case .unary(let op, let operand, let at):
            return try unary(op, try evaluate(operand), at: at)
        case .binary("and", let left, let right, _):
            let l = try evaluate(left)
            return l.truthy ? try evaluate(right) : l
        case .binary("or", let left, let right, _):
            let l = try evaluate(left)
            return l.truthy ? l : try evaluate(right)
        case .binary(let op, let left, let right, let at):
            return try binary(op, try evaluate(left), try evaluate(right), at: at)
        case .compare(let first, let operations, _):
            var left = try evaluate(first)
            for (op, operandExpr) in operations {
                let right = try evaluate(operandExpr)
                guard try compare(op, left, right, at: operandExpr.offset) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let test, let then, let otherwise, let at):
            if try evaluate(test).truthy { return try evaluate(then) }
            return try otherwise.map(evaluate) ?? .undefined("the `if` expression at \(at) without `else`")
        }
    }

    private func evaluateCall(_ callee: TemplateExpr, _ arguments: TemplateArguments, at offset: Int) throws -> TemplateValue {
        let function = try evaluate(callee)
        if case .attribute(let baseExpr, let name, let dot) = callee, function.isUndefined {
            // `'text'.title()`: name the unsupported method rather than an undefined value.
            let base = try evaluate(baseExpr)
            if case .string = base { throw fail("a supported method; the method `\(name)` of a str is not supported", dot) }
            if case .list = base { throw fail("a supported method; the method `\(name)` of a list is not supported", dot) }
            if case .dict(let d) = base, d[name] == nil {
                throw fail("a supported method; the method `\(name)` of a dict is not supported", dot)
            }
        }
        let positional = try arguments.positional.map(evaluate)
        let keyword = try arguments.keyword.map { ($0.name, try evaluate($0.value)) }
        return try call(function, positional, keyword, at: offset)
    }

    /// Evaluates `expr`; undefined is an error here (Jinja fails on members of undefined values).
    private func defined(_ expr: TemplateExpr) throws -> TemplateValue {
        let value = try evaluate(expr)
        if case .undefined(let name) = value { throw fail("`\(name)` to be defined", expr.offset) }
        return value
    }

    func attribute(_ base: TemplateValue, _ name: String, at offset: Int) throws -> TemplateValue {
        switch base {
        case .dict(let dict):
            if TemplateMethods.dictMethods.contains(name) { return .callable(TemplateCallable(kind: .method(base, name))) }
            return dict[name] ?? .undefined(name)
        case .string:
            if TemplateMethods.stringMethods.contains(name) { return .callable(TemplateCallable(kind: .method(base, name))) }
            return .undefined(name)
        case .namespace(let namespace):
            return namespace.attributes[name] ?? .undefined(name)
        case .undefined(let what):
            throw fail("`\(what)` to be defined", offset)
        default:
            return .undefined(name)
        }
    }

    func item(_ base: TemplateValue, _ index: TemplateValue, at offset: Int) throws -> TemplateValue {
        switch (base, index) {
        case (.dict(let dict), .string(let key)):
            return dict[key] ?? .undefined(key)
        case (.list(let items), _), (.tuple(let items), _):
            guard let i = index.integer else { return .undefined("[\(index.pythonRepr ?? "?")]") }
            let position = i < 0 ? items.count + i : i
            return items.indices.contains(position) ? items[position] : .undefined("[\(i)]")
        case (.string(let text), _):
            if case .string(let name) = index { return try attribute(base, name, at: offset) }
            guard let i = index.integer else { return .undefined("[\(index.pythonRepr ?? "?")]") }
            let scalars = Array(text.unicodeScalars)
            let position = i < 0 ? scalars.count + i : i
            return scalars.indices.contains(position) ? .string(String(scalars[position])) : .undefined("[\(i)]")
        case (_, .string(let name)):
            return try attribute(base, name, at: offset)
        default:
            return .undefined("[\(index.pythonRepr ?? "?")]")
        }
    }

    /// Python slicing of a list, tuple or string (`x[a:b:c]`, each part optional, negative counts from the end).
    func slice(_ base: TemplateValue, start: TemplateValue?, stop: TemplateValue?, step: TemplateValue?,
               at offset: Int) throws -> TemplateValue {
        func bound(_ value: TemplateValue?) throws -> Int? {
            guard let value, !(value.isUndefined || { if case .none = value { return true }; return false }()) else { return nil }
            guard let i = value.integer else { throw fail("integers or none as slice bounds; found a \(value.typeName)", offset) }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw fail("a slice step other than 0", offset) }
        func indices(_ count: Int) throws -> [Int] {
            func clamp(_ i: Int?, _ defaultValue: Int) -> Int {
                guard let i else { return defaultValue }
                let j = i < 0 ? i + count : i
                return stepValue > 0 ? min(max(j, 0), count) : min(max(j, -1), count - 1)
            }
            let from = clamp(try bound(start), stepValue > 0 ? 0 : count - 1)
            let to = clamp(try bound(stop), stepValue > 0 ? count : -1)
            return Array(stride(from: from, to: to, by: stepValue))
        }
        switch base {
        case .list(let items): return .list(try indices(items.count).map { items[$0] })
        case .tuple(let items): return .tuple(try indices(items.count).map { items[$0] })
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            var view = String.UnicodeScalarView()
            for i in try indices(scalars.count) { view.append(scalars[i]) }
            return .string(String(view))
        default:
            return .undefined("a slice of a \(base.typeName)")
        }
    }

    func call(_ function: TemplateValue, _ positional: [TemplateValue], _ keyword: [(name: String, value: TemplateValue)],
              at offset: Int) throws -> TemplateValue {
        guard case .callable(let callable) = function else {
            if case .undefined(let name) = function { throw fail("`\(name)` to be defined (it is called)", offset) }
            throw fail("something callable; found a \(function.typeName)", offset)
        }
        switch callable.kind {
        case .macro(let macro): return try callMacro(macro, positional, keyword, at: offset)
        case .global(let name): return try TemplateGlobals.call(name, positional, keyword, renderer: self, at: offset)
        case .method(let receiver, let name):
            return try TemplateMethods.call(name, on: receiver, positional, keyword, renderer: self, at: offset)
        }
    }

    private func unary(_ op: String, _ value: TemplateValue, at offset: Int) throws -> TemplateValue {
        if op == "not" { return .bool(!value.truthy) }
        switch value {
        case .int, .bool:
            guard let i = value.integer else { break }
            if op == "+" { return .int(i) }
            guard i != Int.min else { throw fail("an integer within 64 bits", offset) }
            return .int(-i)
        case .double(let d): return .double(op == "-" ? -d : d)
        default: break
        }
        throw fail("a number after unary \(op); found \(describe(value))", offset)
    }

    func describe(_ value: TemplateValue) -> String {
        if case .undefined(let name) = value { return "the undefined `\(name)`" }
        return "a \(value.typeName)"
    }

    func binary(_ op: String, _ left: TemplateValue, _ right: TemplateValue, at offset: Int) throws -> TemplateValue {
        if op == "~" {
            guard let l = left.pythonString, let r = right.pythonString else {
                throw fail("values that can be printed on both sides of ~", offset)
            }
            return .string(l + r)
        }
        switch (op, left, right) {
        case ("+", .string(let a), .string(let b)): return .string(a + b)
        case ("+", .list(let a), .list(let b)): return .list(a + b)
        case ("+", .tuple(let a), .tuple(let b)): return .tuple(a + b)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard let n = (left.integer != nil ? left : right).integer else { break }
            guard n <= 0 || s.utf8.count <= Self.maxOutput / n else { throw fail("a repeated string of at most \(Self.maxOutput) bytes", offset) }
            return .string(String(repeating: s, count: max(0, n)))
        case ("*", .list(let l), _), ("*", _, .list(let l)):
            guard let n = (left.integer != nil ? left : right).integer else { break }
            guard n <= 0 || l.count <= Self.maxSteps / n else { throw fail("a repeated list of at most \(Self.maxSteps) items", offset) }
            return .list(Array(Array(repeating: l, count: max(0, n)).joined()))
        default: break
        }
        if let a = left.integer, let b = right.integer { return try integerArithmetic(op, a, b, at: offset) }
        if let a = left.number, let b = right.number { return try floatArithmetic(op, a, b, at: offset) }
        throw fail("operands that support \(op); found \(describe(left)) and \(describe(right))", offset)
    }

    private func integerArithmetic(_ op: String, _ a: Int, _ b: Int, at offset: Int) throws -> TemplateValue {
        let overflow = { self.fail("an integer result within 64 bits", offset) }
        switch op {
        case "+": let (r, o) = a.addingReportingOverflow(b); if o { throw overflow() }; return .int(r)
        case "-": let (r, o) = a.subtractingReportingOverflow(b); if o { throw overflow() }; return .int(r)
        case "*": let (r, o) = a.multipliedReportingOverflow(by: b); if o { throw overflow() }; return .int(r)
        case "/": return try floatArithmetic(op, Double(a), Double(b), at: offset)
        case "//", "%":
            guard b != 0 else { throw fail("a divisor other than zero", offset) }
            guard !(a == Int.min && b == -1) else { throw overflow() }
            var quotient = a / b, remainder = a % b
            if remainder != 0 && ((remainder < 0) != (b < 0)) { quotient -= 1; remainder += b }
            return .int(op == "//" ? quotient : remainder)
        case "**":
            if b < 0 { return try floatArithmetic(op, Double(a), Double(b), at: offset) }
            var result = 1
            for _ in 0..<b {
                let (r, o) = result.multipliedReportingOverflow(by: a)
                if o { throw overflow() }
                result = r
                if result == 0 || result == 1 && a == 1 { break }
            }
            return .int(result)
        default: throw fail("a known operator", offset)
        }
    }

    private func floatArithmetic(_ op: String, _ a: Double, _ b: Double, at offset: Int) throws -> TemplateValue {
        switch op {
        case "+": return .double(a + b)
        case "-": return .double(a - b)
        case "*": return .double(a * b)
        case "/", "//", "%":
            guard b != 0 else { throw fail("a divisor other than zero", offset) }
            if op == "/" { return .double(a / b) }
            let quotient = (a / b).rounded(.down)
            if op == "//" { return .double(quotient) }
            let remainder = a.truncatingRemainder(dividingBy: b)
            return .double(remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder)
        case "**": return .double(Foundation.pow(a, b))
        default: throw fail("a known operator", offset)
        }
    }

    func compare(_ op: String, _ left: TemplateValue, _ right: TemplateValue, at offset: Int) throws -> Bool {
        switch op {
        case "==": return left.pythonEquals(right)
        case "!=": return !left.pythonEquals(right)
        case "in": return try contains(right, left, at: offset)
        case "not in": return try !contains(right, left, at: offset)
        default:
            let ordered = op == "<" || op == "<=" ? left.pythonLess(right) : right.pythonLess(left)
            guard let less = ordered else {
                throw fail("values that can be ordered with \(op); found \(describe(left)) and \(describe(right))", offset)
            }
            return less || (op.hasSuffix("=") && left.pythonEquals(right))
        }
    }

    /// Python `needle in container`.
    func contains(_ container: TemplateValue, _ needle: TemplateValue, at offset: Int) throws -> Bool {
        switch container {
        case .string(let text):
            guard case .string(let part) = needle else { throw fail("a string on the left of `in` a string; found \(describe(needle))", offset) }
            return PythonText.contains(text, part)
        case .list(let items), .tuple(let items): return items.contains { $0.pythonEquals(needle) }
        case .dict(let dict):
            guard case .string(let key) = needle else { return false }
            return dict[key] != nil
        case .undefined: return false
        default: throw fail("a string, list or dict on the right of `in`; found \(describe(container))", offset)
        }
    }
}

import Foundation
