// The expression parser of the Jinja subset, with Jinja's grammar and precedence (loosest first):
//   a if b else c  ·  or  ·  and  ·  not  ·  comparisons (== != < <= > >= in, not in; chained)  ·  + -  ·  ~  ·
//   * / // %  ·  ** (left to right, as in Jinja)  ·  unary - +  ·  postfix .attr [item] [a:b:c] (call)
//   then filters `| name(args)` and tests `is [not] name arg`, which bind to the operand just before them.
// Literals: strings (adjacent ones join), integers, floats, true/false/none, lists, tuples, dicts.
// Unknown filters and tests are errors here, at parse time, naming them. Nesting is bounded (`maxDepth`), so a
// hostile template cannot exhaust the stack.

struct TemplateExpressionParser {
    let tokens: [TemplateToken]
    /// Offset of the tag's closing characters (for "expected … at the end of the tag" errors).
    let end: Int
    let fail: (String, Int) -> any Error
    var position = 0
    private var depth = 0
    static let maxDepth = 64

    init(tokens: [TemplateToken], end: Int, fail: @escaping (String, Int) -> any Error) {
        self.tokens = tokens
        self.end = end
        self.fail = fail
    }

    var current: TemplateToken? { position < tokens.count ? tokens[position] : nil }
    var currentOffset: Int { current?.offset ?? end }
    private var next: TemplateToken? { position + 1 < tokens.count ? tokens[position + 1] : nil }

    func atName(_ name: String) -> Bool { current?.kind == .name(name) }
    func atOperator(_ op: String) -> Bool { current?.kind == .op(op) }

    mutating func expectEnd() throws {
        if let current { throw fail("the end of the tag", current.offset) }
    }

    mutating func expectName(_ name: String) throws {
        guard atName(name) else { throw fail("`\(name)`", currentOffset) }
        position += 1
    }

    mutating func expectAnyName() throws -> String {
        guard case .name(let name)? = current?.kind else { throw fail("a name", currentOffset) }
        position += 1
        return name
    }

    mutating func expectOperator(_ op: String) throws {
        guard atOperator(op) else { throw fail("`\(op)`", currentOffset) }
        position += 1
    }

    /// `for` and `set` targets: a name, names separated by commas (optionally in parentheses), or `ns.attr`.
    mutating func parseTarget(allowAttribute: Bool) throws -> TemplateTarget {
        if allowAttribute, case .name(let ns)? = current?.kind, next?.kind == .op(".") {
            position += 2
            return .attribute(ns, try expectAnyName())
        }
        let parenthesized = atOperator("(")
        if parenthesized { position += 1 }
        var names = [try expectAnyName()]
        while atOperator(",") {
            position += 1
            if atOperator(")") || atName("in") || atOperator("=") || current == nil { break }
            names.append(try expectAnyName())
        }
        if parenthesized { try expectOperator(")") }
        return names.count == 1 && !parenthesized ? .name(names[0]) : .names(names)
    }

    /// Comma-separated expressions: one expression, or a tuple when there is a comma.
    mutating func parseTuple(withConditional: Bool = true, stopAt: Set<String> = [], explicitParentheses: Bool = false)
        throws -> TemplateExpr {
        let offset = currentOffset
        var items: [TemplateExpr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOperator(",") }
            if current == nil || atOperator(")") { break }
            if case .name(let n)? = current?.kind, stopAt.contains(n) { break }
            items.append(withConditional ? try parseExpression() : try parseOr())
            if atOperator(",") { isTuple = true } else { break }
        }
        if !isTuple {
            if let first = items.first { return first }
            if !explicitParentheses { throw fail("an expression", offset) }
        }
        return .tuple(items, at: offset)
    }

    /// Counts one level of nesting around `body`.
    private mutating func nested<T>(_ body: (inout Self) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("an expression nested at most \(Self.maxDepth) deep", currentOffset) }
        return try body(&self)
    }

    mutating func parseExpression() throws -> TemplateExpr {
        try nested { try $0.parseConditional() }
    }

    private mutating func parseConditional() throws -> TemplateExpr {
        var expr = try parseOr()
        while atName("if") {
            let offset = currentOffset
            position += 1
            let test = try parseOr()
            var otherwise: TemplateExpr?
            if atName("else") {
                position += 1
                otherwise = try parseExpression()
            }
            expr = .conditional(test: test, then: expr, otherwise: otherwise, at: offset)
        }
        return expr
    }

    private mutating func parseOr() throws -> TemplateExpr {
        var left = try parseAnd()
        while atName("or") {
            let offset = currentOffset
            position += 1
            left = .binary("or", left, try parseAnd(), at: offset)
        }
        return left
    }

    private mutating func parseAnd() throws -> TemplateExpr {
        var left = try parseNot()
        while atName("and") {
            let offset = currentOffset
            position += 1
            left = .binary("and", left, try parseNot(), at: offset)
        }
        return left
    }

    private mutating func parseNot() throws -> TemplateExpr {
        if atName("not") {
            let offset = currentOffset
            position += 1
            return .unary("not", try nested { try $0.parseNot() }, at: offset)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> TemplateExpr {
        let offset = currentOffset
        let first = try parseMath1()
        var operations: [(op: String, operand: TemplateExpr)] = []
        while true {
            if case .op(let op)? = current?.kind, ["==", "!=", "<", "<=", ">", ">="].contains(op) {
                position += 1
                operations.append((op, try parseMath1()))
            } else if atName("in") {
                position += 1
                operations.append(("in", try parseMath1()))
            } else if atName("not"), next?.kind == .name("in") {
                position += 2
                operations.append(("not in", try parseMath1()))
            } else {
                break
            }
        }
        return operations.isEmpty ? first : .compare(first, operations, at: offset)
    }

    /// A left-associative chain of binary operators over `operand`.
    private mutating func chain(_ ops: Set<String>, _ operand: (inout Self) throws -> TemplateExpr) throws -> TemplateExpr {
        var left = try operand(&self)
        while case .op(let op)? = current?.kind, ops.contains(op) {
            let offset = currentOffset
            position += 1
            left = .binary(op, left, try operand(&self), at: offset)
        }
        return left
    }

    private mutating func parseMath1() throws -> TemplateExpr { try chain(["+", "-"]) { try $0.parseConcat() } }
    private mutating func parseConcat() throws -> TemplateExpr { try chain(["~"]) { try $0.parseMath2() } }
    private mutating func parseMath2() throws -> TemplateExpr { try chain(["*", "/", "//", "%"]) { try $0.parsePow() } }
    private mutating func parsePow() throws -> TemplateExpr { try chain(["**"]) { try $0.parseUnary(withFilter: true) } }

    private mutating func parseUnary(withFilter: Bool) throws -> TemplateExpr {
        let offset = currentOffset
        var node: TemplateExpr
        if atOperator("-") || atOperator("+") {
            let op = atOperator("-") ? "-" : "+"
            position += 1
            node = .unary(op, try nested { try $0.parseUnary(withFilter: false) }, at: offset)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        return withFilter ? try parseFilters(node) : node
    }

    private mutating func parsePrimary() throws -> TemplateExpr {
        guard let token = current else { throw fail("an expression", end) }
        let offset = token.offset
        position += 1
        switch token.kind {
        case .name("true"), .name("True"): return .literal(.bool(true), at: offset)
        case .name("false"), .name("False"): return .literal(.bool(false), at: offset)
        case .name("none"), .name("None"): return .literal(.none, at: offset)
        case .name(let name): return .name(name, at: offset)
        case .string(var text):
            while case .string(let more)? = current?.kind { text += more; position += 1 }
            return .literal(.string(text), at: offset)
        case .integer(let i): return .literal(.int(i), at: offset)
        case .float(let d): return .literal(.double(d), at: offset)
        case .op("("):
            let inner = try parseTuple(explicitParentheses: true)
            try expectOperator(")")
            return inner
        case .op("["):
            var items: [TemplateExpr] = []
            while !atOperator("]") {
                if !items.isEmpty { try expectOperator(","); if atOperator("]") { break } }
                items.append(try parseExpression())
            }
            try expectOperator("]")
            return .list(items, at: offset)
        case .op("{"):
            var pairs: [(key: TemplateExpr, value: TemplateExpr)] = []
            while !atOperator("}") {
                if !pairs.isEmpty { try expectOperator(","); if atOperator("}") { break } }
                let key = try parseExpression()
                try expectOperator(":")
                pairs.append((key, try parseExpression()))
            }
            try expectOperator("}")
            return .dict(pairs, at: offset)
        default:
            throw fail("an expression", offset)
        }
    }

    private mutating func parsePostfix(_ start: TemplateExpr) throws -> TemplateExpr {
        var node = start
        while let token = current {
            if token.kind == .op(".") {
                position += 1
                switch current?.kind {
                case .name(let name)?: position += 1; node = .attribute(node, name, at: token.offset)
                case .integer(let i)?: position += 1; node = .item(node, .literal(.int(i), at: token.offset), at: token.offset)
                default: throw fail("a name after `.`", currentOffset)
                }
            } else if token.kind == .op("[") {
                position += 1
                var subscripts: [TemplateExpr] = []
                while !atOperator("]") {
                    if !subscripts.isEmpty { try expectOperator(",") }
                    subscripts.append(try parseSubscript(node, at: token.offset))
                }
                try expectOperator("]")
                guard subscripts.count == 1 else { throw fail("one index or slice inside [ ]", token.offset) }
                if case .slice = subscripts[0] { node = subscripts[0] } else { node = .item(node, subscripts[0], at: token.offset) }
            } else if token.kind == .op("(") {
                node = .call(node, try parseArguments(), at: token.offset)
            } else {
                break
            }
        }
        return node
    }

    /// One subscript: an expression, or a slice `start:stop:step` of `base` (each part optional).
    private mutating func parseSubscript(_ base: TemplateExpr, at offset: Int) throws -> TemplateExpr {
        var start: TemplateExpr?
        if !atOperator(":") {
            let expr = try parseExpression()
            if !atOperator(":") { return expr }
            start = expr
        }
        position += 1  // the first ":"
        var stop: TemplateExpr?
        if !atOperator(":") && !atOperator("]") && !atOperator(",") { stop = try parseExpression() }
        var step: TemplateExpr?
        if atOperator(":") {
            position += 1
            if !atOperator("]") && !atOperator(",") { step = try parseExpression() }
        }
        return .slice(base, start: start, stop: stop, step: step, at: offset)
    }

    private mutating func parseArguments() throws -> TemplateArguments {
        try expectOperator("(")
        var arguments = TemplateArguments()
        var first = true
        while !atOperator(")") {
            if !first { try expectOperator(","); if atOperator(")") { break } }
            first = false
            if atOperator("*") || atOperator("**") { throw fail("arguments without * or ** (not supported)", currentOffset) }
            if case .name(let name)? = current?.kind, next?.kind == .op("=") {
                position += 2
                arguments.keyword.append((name, try parseExpression()))
            } else {
                guard arguments.keyword.isEmpty else { throw fail("keyword arguments after positional ones", currentOffset) }
                arguments.positional.append(try parseExpression())
            }
        }
        try expectOperator(")")
        return arguments
    }

    private mutating func parseFilters(_ start: TemplateExpr) throws -> TemplateExpr {
        var node = start
        while let token = current {
            if token.kind == .op("|") {
                position += 1
                let name = try expectAnyName()
                guard TemplateFilters.names.contains(name) else {
                    throw fail("a supported filter (\(TemplateFilters.names.sorted().joined(separator: ", "))); the filter `\(name)` is not supported", token.offset)
                }
                let arguments = atOperator("(") ? try parseArguments() : TemplateArguments()
                node = .filter(node, name, arguments, at: token.offset)
            } else if token.kind == .name("is") {
                node = try parseTest(node)
            } else if token.kind == .op("(") {
                node = .call(node, try parseArguments(), at: token.offset)
            } else {
                break
            }
        }
        return node
    }

    private mutating func parseTest(_ subject: TemplateExpr) throws -> TemplateExpr {
        let offset = currentOffset
        position += 1  // "is"
        let negated = atName("not")
        if negated { position += 1 }
        let name = try expectAnyName()
        guard TemplateTests.names.contains(name) else {
            throw fail("a supported test (\(TemplateTests.names.sorted().joined(separator: ", "))); the test `\(name)` is not supported", offset)
        }
        var arguments = TemplateArguments()
        if atOperator("(") {
            arguments = try parseArguments()
        } else if let token = current, Self.startsArgument(token.kind) {
            if token.kind == .name("is") { throw fail("one test per `is` (tests cannot be chained)", token.offset) }
            arguments.positional = [try parsePostfix(try parsePrimary())]
        }
        return .test(subject, name, arguments, negated: negated, at: offset)
    }

    /// Whether a token after a test name starts its single argument (`is divisibleby 3`, `is sameas none`).
    private static func startsArgument(_ kind: TemplateToken.Kind) -> Bool {
        switch kind {
        case .name(let n): return !["else", "or", "and"].contains(n)
        case .string, .integer, .float: return true
        case .op(let op): return op == "(" || op == "[" || op == "{"
        }
    }
}
