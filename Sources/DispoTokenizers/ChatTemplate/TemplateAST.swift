// The syntax tree of the Jinja subset. Every node keeps the scalar offset of its source so an error at render
// time names the template line and column. Statements: text, `{{ expr }}`, if/elif/else, for (with `else`,
// an `if` filter and tuple targets), set (names, tuples, `ns.attr`, and the `{% set x %}…{% endset %}`
// block form), macro, break/continue, and transformers' `{% generation %}` block (rendered as its body).

indirect enum TemplateExpr: Sendable {
    case literal(TemplateLiteral, at: Int)
    case name(String, at: Int)
    case list([TemplateExpr], at: Int)
    case tuple([TemplateExpr], at: Int)
    case dict([(key: TemplateExpr, value: TemplateExpr)], at: Int)
    case attribute(TemplateExpr, String, at: Int)
    case item(TemplateExpr, TemplateExpr, at: Int)
    case slice(TemplateExpr, start: TemplateExpr?, stop: TemplateExpr?, step: TemplateExpr?, at: Int)
    case call(TemplateExpr, TemplateArguments, at: Int)
    case filter(TemplateExpr, String, TemplateArguments, at: Int)
    case test(TemplateExpr, String, TemplateArguments, negated: Bool, at: Int)
    case unary(String, TemplateExpr, at: Int)
    case binary(String, TemplateExpr, TemplateExpr, at: Int)
    case compare(TemplateExpr, [(op: String, operand: TemplateExpr)], at: Int)
    case conditional(test: TemplateExpr, then: TemplateExpr, otherwise: TemplateExpr?, at: Int)

    var offset: Int {
        switch self {
        case .literal(_, let at), .name(_, let at), .list(_, let at), .tuple(_, let at), .dict(_, let at),
             .attribute(_, _, let at), .item(_, _, let at), .slice(_, _, _, _, let at), .call(_, _, let at),
             .filter(_, _, _, let at), .test(_, _, _, _, let at), .unary(_, _, let at), .binary(_, _, _, let at),
             .compare(_, _, let at), .conditional(_, _, _, let at):
            return at
        }
    }
}

/// Constants written in the template.
enum TemplateLiteral: Sendable {
    case none, bool(Bool), int(Int), double(Double), string(String)

    var value: TemplateValue {
        switch self {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        }
    }
}

/// Call arguments: positional, then keyword.
struct TemplateArguments: Sendable {
    var positional: [TemplateExpr] = []
    var keyword: [(name: String, value: TemplateExpr)] = []
}

/// Where `{% set %}` and `{% for %}` put values.
enum TemplateTarget: Sendable {
    case name(String)
    case names([String])
    /// `ns.attr`: an attribute of a namespace.
    case attribute(String, String)
}

indirect enum TemplateNode: Sendable {
    case text(String)
    case output(TemplateExpr)
    case conditional([(test: TemplateExpr, body: [TemplateNode])], otherwise: [TemplateNode]?)
    case loop(target: TemplateTarget, iterable: TemplateExpr, filter: TemplateExpr?, body: [TemplateNode],
              otherwise: [TemplateNode]?, at: Int)
    case assign(TemplateTarget, TemplateExpr, at: Int)
    case assignBlock(String, body: [TemplateNode], at: Int)
    case macro(TemplateMacro)
    case breakLoop(at: Int)
    case continueLoop(at: Int)
}
