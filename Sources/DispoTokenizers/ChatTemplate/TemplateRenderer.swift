// Runs a parsed template: statements write to the output, expressions are evaluated (TemplateEvaluation.swift).
// Scoping follows Jinja: `if` opens no scope; each `for` iteration starts a fresh scope over the enclosing one
// (so `{% set %}` inside a loop is gone at the next iteration and after the loop — the reason templates use
// `namespace()`); a macro call sees the template's top-level variables and its parameters.
// Bounded: at most `maxSteps` loop iterations and macro calls, `maxOutput` scalars of output and `maxDepth`
// nested macro calls, so a hostile template stops with an error instead of running away.

final class TemplateRenderer {
    /// Builds an error at a scalar offset of the template.
    let fail: (String, Int) -> any Error
    var scopes: [[String: TemplateValue]]
    var output = ""
    private var steps = 0
    private var depth = 0

    static let maxSteps = 1_000_000
    static let maxOutput = 16 << 20
    static let maxDepth = 64

    init(context: [String: TemplateValue], fail: @escaping (String, Int) -> any Error) {
        scopes = [context]
        self.fail = fail
    }

    enum Flow { case normal, breakLoop, continueLoop }

    func lookup(_ name: String) -> TemplateValue? {
        for scope in scopes.reversed() { if let value = scope[name] { return value } }
        return nil
    }

    func assign(_ name: String, _ value: TemplateValue) {
        scopes[scopes.count - 1][name] = value
    }

    func countStep(at offset: Int) throws {
        steps += 1
        if steps > Self.maxSteps { throw fail("at most \(Self.maxSteps) loop iterations and macro calls in one render", offset) }
    }

    func write(_ text: String, at offset: Int) throws {
        output += text
        if output.utf8.count > Self.maxOutput { throw fail("a rendered prompt of at most \(Self.maxOutput) bytes", offset) }
    }

    func run(_ nodes: [TemplateNode]) throws -> Flow {
        for node in nodes {
            let flow = try run(node)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private func run(_ node: TemplateNode) throws -> Flow {
        switch node {
        case .text(let text):
            try write(text, at: 0)
        case .output(let expr):
            let value = try evaluate(expr)
            guard let text = value.pythonString else {
                throw fail("a value that can be printed (a string, number, bool, none, list or dict); found a \(value.typeName)", expr.offset)
            }
            try write(text, at: expr.offset)
        case .conditional(let branches, let otherwise):
            for branch in branches where try evaluate(branch.test).truthy { return try run(branch.body) }
            if let otherwise { return try run(otherwise) }
        case .loop(let target, let iterable, let filter, let body, let otherwise, let at):
            return try runLoop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, at: at)
        case .assign(let target, let expr, let at):
            try store(try evaluate(expr), in: target, at: at)
        case .assignBlock(let name, let body, _):
            let saved = output
            output = ""
            defer { output = saved }
            _ = try run(body)
            assign(name, .string(output))
        case .macro(let macro):
            assign(macro.name, .callable(TemplateCallable(kind: .macro(macro))))
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    func store(_ value: TemplateValue, in target: TemplateTarget, at offset: Int) throws {
        switch target {
        case .name(let name):
            assign(name, value)
        case .names(let names):
            let items = try unpack(value, count: names.count, at: offset)
            for (name, item) in zip(names, items) { assign(name, item) }
        case .attribute(let ns, let attribute):
            guard case .namespace(let namespace)? = lookup(ns) else {
                throw fail("a namespace in `\(ns)` to set `\(ns).\(attribute)` on (made with namespace())", offset)
            }
            namespace.attributes[attribute] = value
        }
    }

    private func unpack(_ value: TemplateValue, count: Int, at offset: Int) throws -> [TemplateValue] {
        let items: [TemplateValue]
        switch value {
        case .list(let l), .tuple(let l): items = l
        case .string(let s): items = s.unicodeScalars.map { .string(String($0)) }
        default: throw fail("\(count) values to unpack; found a \(value.typeName)", offset)
        }
        guard items.count == count else { throw fail("\(count) values to unpack; found \(items.count)", offset) }
        return items
    }

    private func runLoop(target: TemplateTarget, iterable: TemplateExpr, filter: TemplateExpr?, body: [TemplateNode],
                         otherwise: [TemplateNode]?, at offset: Int) throws -> Flow {
        var items = try iterate(try evaluate(iterable), at: iterable.offset)
        if let filter {
            var kept: [TemplateValue] = []
            for item in items {
                scopes.append([:])
                defer { scopes.removeLast() }
                try store(item, in: target, at: offset)
                if try evaluate(filter).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty, let otherwise { return try run(otherwise) }
        for (index, item) in items.enumerated() {
            try countStep(at: offset)
            scopes.append(["loop": .dict(Self.loopInfo(index: index, items: items))])
            defer { scopes.removeLast() }
            try store(item, in: target, at: offset)
            if try run(body) == .breakLoop { break }
        }
        return .normal
    }

    /// Jinja's `loop` object for iteration `index` (a dict; `loop.cycle(…)` is a method of it). `depth` counts
    /// recursive loops only, which are not supported, so it is always 1.
    static func loopInfo(index: Int, items: [TemplateValue]) -> TemplateDict {
        var info = TemplateDict()
        info["index"] = .int(index + 1)
        info["index0"] = .int(index)
        info["revindex"] = .int(items.count - index)
        info["revindex0"] = .int(items.count - index - 1)
        info["first"] = .bool(index == 0)
        info["last"] = .bool(index == items.count - 1)
        info["length"] = .int(items.count)
        info["depth"] = .int(1)
        info["depth0"] = .int(0)
        if index > 0 { info["previtem"] = items[index - 1] }
        if index + 1 < items.count { info["nextitem"] = items[index + 1] }
        info["cycle"] = .callable(TemplateCallable(kind: .method(.int(index), "loop.cycle")))
        return info
    }

    /// The items `for` walks: a list or tuple, a string's characters, a dict's keys; undefined is empty.
    func iterate(_ value: TemplateValue, at offset: Int) throws -> [TemplateValue] {
        switch value {
        case .list(let l), .tuple(let l): return l
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .dict(let d): return d.keys.map { .string($0) }
        case .undefined: return []
        default: throw fail("something to iterate over (a list, string or dict); found a \(value.typeName)", offset)
        }
    }

    /// Calls a macro with evaluated arguments; its output is the result.
    func callMacro(_ macro: TemplateMacro, _ positional: [TemplateValue], _ keyword: [(name: String, value: TemplateValue)],
                   at offset: Int) throws -> TemplateValue {
        try countStep(at: offset)
        guard depth < Self.maxDepth else { throw fail("macro calls nested at most \(Self.maxDepth) deep", offset) }
        guard positional.count <= macro.parameters.count else {
            throw fail("at most \(macro.parameters.count) arguments to macro \(macro.name); found \(positional.count)", offset)
        }
        var frame: [String: TemplateValue] = [:]
        for (index, value) in positional.enumerated() { frame[macro.parameters[index].name] = value }
        for (name, value) in keyword {
            guard macro.parameters.contains(where: { $0.name == name }) else {
                throw fail("a parameter of macro \(macro.name); it has no parameter `\(name)`", offset)
            }
            frame[name] = value
        }
        let savedScopes = scopes, savedOutput = output
        defer { scopes = savedScopes; output = savedOutput; depth -= 1 }
        depth += 1
        scopes = [scopes[0], frame]
        for parameter in macro.parameters where frame[parameter.name] == nil {
            let value = try parameter.defaultValue.map { try evaluate($0) } ?? .undefined(parameter.name)
            scopes[1][parameter.name] = value
        }
        output = ""
        _ = try run(macro.body)
        return .string(output)
    }
}
