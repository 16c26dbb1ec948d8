// The statement parser of the Jinja subset: segments from `TemplateLexer` → a tree of `TemplateNode`s.
// Tags other than if/elif/else/endif, for/else/endfor, set/endset, macro/endmacro, break, continue and
// generation/endgeneration (include, extends, block, call, filter, with, import, do, …) are errors naming the
// tag, as are unclosed blocks and stray end tags. Expressions are parsed by `TemplateExpressionParser`.

struct TemplateParser {
    private let segments: [TemplateSegment]
    private var index = 0
    private var depth = 0
    private let fail: (String, Int) -> any Error
    /// Blocks nest at most this deep (a hostile template cannot exhaust the stack).
    static let maxDepth = 64

    init(segments: [TemplateSegment], fail: @escaping (String, Int) -> any Error) {
        self.segments = segments
        self.fail = fail
    }

    static let supportedTags = ["if", "elif", "else", "endif", "for", "endfor", "set", "endset", "macro", "endmacro",
                                "break", "continue", "generation", "endgeneration"]

    mutating func parse() throws -> [TemplateNode] {
        let (body, end) = try parseBody(until: [])
        if let (name, offset) = end { throw fail("a tag that opens a block before {% \(name) %}", offset) }
        return body
    }

    /// Nodes up to one of the tags `until` (returned with its offset, not consumed beyond its name), or the end.
    private mutating func parseBody(until: Set<String>, loopDepth: Int = 0) throws
        -> ([TemplateNode], (String, Int)?) {
        var nodes: [TemplateNode] = []
        while index < segments.count {
            let segment = segments[index]
            switch segment {
            case .text(let text, _):
                nodes.append(.text(text))
                index += 1
            case .variable(let tokens, let offset, let end):
                var parser = TemplateExpressionParser(tokens: tokens, end: end, fail: fail)
                guard !tokens.isEmpty else { throw fail("an expression inside {{ }}", offset) }
                let expr = try parser.parseTuple()
                try parser.expectEnd()
                nodes.append(.output(expr))
                index += 1
            case .block(let tokens, let offset, _):
                guard case .name(let name)? = tokens.first?.kind else { throw fail("a tag name after {%", offset) }
                if until.contains(name) { return (nodes, (name, offset)) }
                guard Self.supportedTags.contains(name) else {
                    throw fail("a supported tag (\(Self.supportedTags.joined(separator: ", "))); {% \(name) %} is not supported", offset)
                }
                nodes.append(contentsOf: try parseStatement(name, loopDepth: loopDepth))
            }
        }
        return (nodes, nil)
    }

    /// The tokens of the current block tag after its name, as an expression parser.
    private func tagParser() throws -> TemplateExpressionParser {
        guard index < segments.count, case .block(let tokens, _, let end) = segments[index] else {
            throw fail("a block tag", tagOffset)
        }
        var parser = TemplateExpressionParser(tokens: tokens, end: end, fail: fail)
        parser.position = 1
        return parser
    }

    private var tagOffset: Int {
        guard index < segments.count, case .block(_, let offset, _) = segments[index] else { return 0 }
        return offset
    }

    /// Parses the statement starting at the current block; an end or middle tag here has no opening tag.
    private mutating func parseStatement(_ name: String, loopDepth: Int) throws -> [TemplateNode] {
        let offset = tagOffset
        switch name {
        case "if": return [try parseIf(loopDepth: loopDepth)]
        case "for": return [try parseFor(loopDepth: loopDepth)]
        case "set": return [try parseSet(loopDepth: loopDepth)]
        case "macro": return [try parseMacro()]
        case "break", "continue":
            var parser = try tagParser()
            try parser.expectEnd()
            guard loopDepth > 0 else { throw fail("{% \(name) %} inside a for loop", offset) }
            index += 1
            return [name == "break" ? .breakLoop(at: offset) : .continueLoop(at: offset)]
        case "generation":
            var parser = try tagParser()
            try parser.expectEnd()
            index += 1
            let body = try parseBlockBody(until: ["endgeneration"], opener: "generation", at: offset, loopDepth: loopDepth)
            var endTag = try tagParser()
            try endTag.expectEnd()
            index += 1
            return body.nodes
        default:
            throw fail("a matching opening tag for {% \(name) %}", offset)
        }
    }

    /// A body closed by one of `until`; consumes the closing tag, whose name is returned.
    private mutating func parseBlockBody(until: Set<String>, opener: String, at offset: Int, loopDepth: Int = 0) throws
        -> (nodes: [TemplateNode], end: String) {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("blocks nested at most \(Self.maxDepth) deep", offset) }
        let (nodes, end) = try parseBody(until: until, loopDepth: loopDepth)
        guard let (name, _) = end else {
            throw fail("{% " + until.sorted().joined(separator: " %} or {% ") + " %} to close this {% \(opener) %}", offset)
        }
        return (nodes, name)
    }

    private mutating func parseIf(loopDepth: Int) throws -> TemplateNode {
        let offset = tagOffset
        var branches: [(test: TemplateExpr, body: [TemplateNode])] = []
        var otherwise: [TemplateNode]?
        var parser = try tagParser()
        var test = try parser.parseTuple(withConditional: false)
        try parser.expectEnd()
        index += 1
        while true {
            let (body, end) = try parseBlockBody(until: ["elif", "else", "endif"], opener: "if", at: offset, loopDepth: loopDepth)
            branches.append((test, body))
            var closing = try tagParser()
            if end == "elif" {
                test = try closing.parseTuple(withConditional: false)
                try closing.expectEnd()
                index += 1
                continue
            }
            try closing.expectEnd()
            index += 1
            if end == "else" {
                let (elseBody, _) = try parseBlockBody(until: ["endif"], opener: "if", at: offset, loopDepth: loopDepth)
                otherwise = elseBody
                var endTag = try tagParser()
                try endTag.expectEnd()
                index += 1
            }
            return .conditional(branches, otherwise: otherwise)
        }
    }

    private mutating func parseFor(loopDepth: Int) throws -> TemplateNode {
        let offset = tagOffset
        var parser = try tagParser()
        let target = try parser.parseTarget(allowAttribute: false)
        try parser.expectName("in")
        let iterable = try parser.parseTuple(withConditional: false, stopAt: ["recursive"])
        if parser.atName("recursive") { throw fail("a for loop without `recursive` (not supported)", parser.currentOffset) }
        var filter: TemplateExpr?
        if parser.atName("if") {
            parser.position += 1
            filter = try parser.parseExpression()
        }
        try parser.expectEnd()
        index += 1
        let (body, end) = try parseBlockBody(until: ["else", "endfor"], opener: "for", at: offset, loopDepth: loopDepth + 1)
        var closing = try tagParser()
        try closing.expectEnd()
        index += 1
        var otherwise: [TemplateNode]?
        if end == "else" {
            otherwise = try parseBlockBody(until: ["endfor"], opener: "for", at: offset, loopDepth: loopDepth).nodes
            var endTag = try tagParser()
            try endTag.expectEnd()
            index += 1
        }
        return .loop(target: target, iterable: iterable, filter: filter, body: body, otherwise: otherwise, at: offset)
    }

    private mutating func parseSet(loopDepth: Int) throws -> TemplateNode {
        let offset = tagOffset
        var parser = try tagParser()
        let target = try parser.parseTarget(allowAttribute: true)
        if parser.atOperator("=") {
            parser.position += 1
            let value = try parser.parseTuple()
            try parser.expectEnd()
            index += 1
            return .assign(target, value, at: offset)
        }
        guard case .name(let name) = target else { throw fail("`=` after the target of {% set %}", parser.currentOffset) }
        if parser.atOperator("|") { throw fail("a {% set %} block without filters (not supported)", parser.currentOffset) }
        try parser.expectEnd()
        index += 1
        let (body, _) = try parseBlockBody(until: ["endset"], opener: "set", at: offset, loopDepth: loopDepth)
        var endTag = try tagParser()
        try endTag.expectEnd()
        index += 1
        return .assignBlock(name, body: body, at: offset)
    }

    private mutating func parseMacro() throws -> TemplateNode {
        let offset = tagOffset
        var parser = try tagParser()
        let name = try parser.expectAnyName()
        try parser.expectOperator("(")
        var parameters: [(name: String, defaultValue: TemplateExpr?)] = []
        while !parser.atOperator(")") {
            if !parameters.isEmpty { try parser.expectOperator(",") }
            if parser.atOperator(")") { break }
            let parameter = try parser.expectAnyName()
            var defaultValue: TemplateExpr?
            if parser.atOperator("=") {
                parser.position += 1
                defaultValue = try parser.parseExpression()
            } else if parameters.contains(where: { $0.defaultValue != nil }) {
                throw fail("a default value (parameters after one with a default need one)", parser.currentOffset)
            }
            parameters.append((parameter, defaultValue))
        }
        try parser.expectOperator(")")
        try parser.expectEnd()
        index += 1
        let (body, _) = try parseBlockBody(until: ["endmacro"], opener: "macro", at: offset)
        var endTag = try tagParser()
        if case .name? = endTag.current?.kind { endTag.position += 1 }  // `{% endmacro name %}`
        try endTag.expectEnd()
        index += 1
        return .macro(TemplateMacro(name: name, parameters: parameters, body: body))
    }
}
