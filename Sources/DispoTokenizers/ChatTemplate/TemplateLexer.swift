// The lexer of the Jinja subset: template text → text runs and the tokens of `{{ … }}` / `{% … %}` tags,
// with Jinja's white-space rules as transformers configures them (trim_blocks and lstrip_blocks on):
// - "\r\n" and "\r" become "\n"; one final newline of the template is dropped;
// - `{%-` / `{{-` / `{#-` strip all white space before the tag, `-%}` / `-}}` / `-#}` all white space after;
// - trim_blocks: a block or comment tag eats the one newline right after it (not with `+%}`);
// - lstrip_blocks: spaces and tabs from the start of a line up to a block or comment tag go (not with `{%+`).
// `{# comments #}` vanish; `{% raw %}…{% endraw %}` is text. Positions are scalar offsets into the template.

struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case op(String)
    }
    var kind: Kind
    var offset: Int
}

/// One piece of the template: literal text, an expression to print, or a statement.
enum TemplateSegment {
    case text(String, offset: Int)
    case variable([TemplateToken], offset: Int, end: Int)
    case block([TemplateToken], offset: Int, end: Int)
}

struct TemplateLexer {
    let scalars: [Unicode.Scalar]
    let fail: (String, Int) -> any Error

    init(source: String, fail: @escaping (String, Int) -> any Error) {
        var text = source.replacingCRLF()
        if text.unicodeScalars.last == "\n" { text.unicodeScalars.removeLast() }
        scalars = Array(text.unicodeScalars)
        self.fail = fail
    }

    private static let operators = ["//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(", ")",
                                    "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"]

    func segments() throws -> [TemplateSegment] {
        var out: [TemplateSegment] = []
        var pos = 0
        var lineStarting = true
        while pos < scalars.count {
            guard let (tagStart, kind, sign) = nextTag(from: pos) else {
                out.append(.text(string(pos, scalars.count), offset: pos))
                break
            }
            var textEnd = tagStart
            if sign == "-" {
                while textEnd > pos, PythonText.isSpace(scalars[textEnd - 1]) { textEnd -= 1 }
            } else if sign != "+" && kind != "{" {
                textEnd = lstripped(pos, tagStart, lineStarting: lineStarting)
            }
            if textEnd > pos { out.append(.text(string(pos, textEnd), offset: pos)) }
            let bodyStart = tagStart + 2 + (sign == nil ? 0 : 1)
            switch kind {
            case "#":
                (pos, lineStarting) = try commentEnd(from: bodyStart, tagStart: tagStart)
            case "%" where isRaw(at: bodyStart):
                (pos, lineStarting) = try raw(from: bodyStart, tagStart: tagStart, into: &out)
            default:
                let (tokens, end, afterEnd) = try tag(from: bodyStart, block: kind == "%", tagStart: tagStart)
                out.append(kind == "%" ? .block(tokens, offset: tagStart, end: end) : .variable(tokens, offset: tagStart, end: end))
                pos = afterEnd
                lineStarting = afterEnd > 0 && scalars[afterEnd - 1] == "\n"
            }
        }
        return out
    }

    /// The next `{{`, `{%` or `{#` at or after `from`: its offset, kind ("{", "%", "#") and sign ("-", "+" or nil).
    private func nextTag(from: Int) -> (Int, Character, Character?)? {
        var i = from
        while i + 1 < scalars.count {
            if scalars[i] == "{", ["{", "%", "#"].contains(scalars[i + 1]) {
                let sign: Character? = i + 2 < scalars.count && (scalars[i + 2] == "-" || scalars[i + 2] == "+")
                    ? Character(scalars[i + 2]) : nil
                return (i, Character(scalars[i + 1]), sign)
            }
            i += 1
        }
        return nil
    }

    /// lstrip_blocks: the end of the text once spaces before the tag on its own line are removed.
    private func lstripped(_ start: Int, _ tagStart: Int, lineStarting: Bool) -> Int {
        var lineStart = tagStart
        while lineStart > start, scalars[lineStart - 1] != "\n" { lineStart -= 1 }
        guard lineStart > start || lineStarting, lineStart < tagStart else { return tagStart }
        for i in lineStart..<tagStart where !PythonText.isSpace(scalars[i]) { return tagStart }
        return lineStart
    }

    private func commentEnd(from start: Int, tagStart: Int) throws -> (Int, Bool) {
        var i = start
        while i + 1 < scalars.count {
            if scalars[i] == "#", scalars[i + 1] == "}" {
                let hasSign = i > start && (scalars[i - 1] == "-" || scalars[i - 1] == "+")
                return afterTagEnd(i + 2, sign: hasSign ? scalars[i - 1] : nil, trims: true)
            }
            i += 1
        }
        throw fail("a comment closed by #}", tagStart)
    }

    /// Where text resumes after a tag's closing characters (ending at `end`), and whether it starts a line.
    private func afterTagEnd(_ end: Int, sign: Unicode.Scalar?, trims: Bool) -> (Int, Bool) {
        var next = end
        if sign == "-" {
            while next < scalars.count, PythonText.isSpace(scalars[next]) { next += 1 }
        } else if sign == nil && trims && next < scalars.count && scalars[next] == "\n" {
            next += 1
        }
        return (next, next > 0 && scalars[next - 1] == "\n")
    }

    private func isRaw(at start: Int) -> Bool {
        var i = start
        while i < scalars.count, PythonText.isSpace(scalars[i]) { i += 1 }
        return string(i, min(scalars.count, i + 3)) == "raw" && (i + 3 == scalars.count || !isNameScalar(scalars[i + 3]))
    }

    /// `{% raw %}…{% endraw %}`: the text between, as it is.
    private func raw(from start: Int, tagStart: Int, into out: inout [TemplateSegment]) throws -> (Int, Bool) {
        guard let close = find("%}", from: start) else { throw fail("%} to close the raw tag", tagStart) }
        var textStart = close + 2
        if scalars[close - 1] == "-" { while textStart < scalars.count, PythonText.isSpace(scalars[textStart]) { textStart += 1 } }
        var i = textStart
        while let open = find("{%", from: i) {
            var j = open + 2
            let sign: Unicode.Scalar? = j < scalars.count && (scalars[j] == "-" || scalars[j] == "+") ? scalars[j] : nil
            if sign != nil { j += 1 }
            while j < scalars.count, PythonText.isSpace(scalars[j]) { j += 1 }
            if string(j, min(scalars.count, j + 6)) == "endraw", let end = find("%}", from: j + 6) {
                var textEnd = open
                if sign == "-" {
                    while textEnd > textStart, PythonText.isSpace(scalars[textEnd - 1]) { textEnd -= 1 }
                } else if sign != "+" {
                    textEnd = lstripped(textStart, open, lineStarting: false)
                }
                if textEnd > textStart { out.append(.text(string(textStart, textEnd), offset: textStart)) }
                return afterTagEnd(end + 2, sign: scalars[end - 1] == "-" || scalars[end - 1] == "+" ? scalars[end - 1] : nil,
                                   trims: true)
            }
            i = open + 2
        }
        throw fail("{% endraw %} to close the raw block", tagStart)
    }

    private func find(_ needle: String, from: Int) -> Int? {
        let n = Array(needle.unicodeScalars)
        var i = from
        while i + n.count <= scalars.count {
            if Array(scalars[i..<(i + n.count)]) == n { return i }
            i += 1
        }
        return nil
    }

    /// The tokens of one tag, the offset of its closing characters, and where text resumes.
    private func tag(from start: Int, block: Bool, tagStart: Int) throws -> ([TemplateToken], Int, Int) {
        let close: Unicode.Scalar = block ? "%" : "}"
        var tokens: [TemplateToken] = []
        var brackets: [Unicode.Scalar] = []
        var i = start
        while true {
            while i < scalars.count, PythonText.isSpace(scalars[i]) { i += 1 }
            guard i < scalars.count else { throw fail(block ? "%} to close the tag" : "}} to close the expression", tagStart) }
            if brackets.isEmpty {
                for sign in ["-", "+", ""] where !(sign == "+" && !block) {
                    let marker = Array(sign.unicodeScalars) + [close, "}"]
                    if i + marker.count <= scalars.count, Array(scalars[i..<(i + marker.count)]) == marker {
                        let (next, _) = afterTagEnd(i + marker.count, sign: sign.unicodeScalars.first, trims: block)
                        return (tokens, i, next)
                    }
                }
            }
            let token = try lexToken(at: &i)
            if case .op(let op) = token.kind { try balance(op, &brackets, at: token.offset) }
            tokens.append(token)
        }
    }

    private func balance(_ op: String, _ brackets: inout [Unicode.Scalar], at offset: Int) throws {
        switch op {
        case "(": brackets.append(")")
        case "[": brackets.append("]")
        case "{": brackets.append("}")
        case ")", "]", "}":
            guard let expected = brackets.popLast() else { throw fail("no unmatched \(op)", offset) }
            guard String(expected) == op else { throw fail("\(expected) before \(op)", offset) }
        default: break
        }
    }

    private func lexToken(at i: inout Int) throws -> TemplateToken {
        let start = i
        let c = scalars[i]
        if isDigit(c) { return try number(at: &i) }
        if isNameStart(c) {
            while i < scalars.count, isNameScalar(scalars[i]) { i += 1 }
            return TemplateToken(kind: .name(string(start, i)), offset: start)
        }
        if c == "'" || c == "\"" { return TemplateToken(kind: .string(try stringLiteral(at: &i)), offset: start) }
        for op in Self.operators {
            let o = Array(op.unicodeScalars)
            if i + o.count <= scalars.count, Array(scalars[i..<(i + o.count)]) == o {
                i += o.count
                return TemplateToken(kind: .op(op), offset: start)
            }
        }
        throw fail("an expression token (name, number, string or operator)", start)
    }

    private func number(at i: inout Int) throws -> TemplateToken {
        let start = i
        while i < scalars.count, isDigit(scalars[i]) || scalars[i] == "_" { i += 1 }
        var isFloat = false
        if i + 1 < scalars.count, scalars[i] == ".", isDigit(scalars[i + 1]) {
            isFloat = true
            i += 1
            while i < scalars.count, isDigit(scalars[i]) || scalars[i] == "_" { i += 1 }
        }
        if i < scalars.count, scalars[i] == "e" || scalars[i] == "E" {
            var j = i + 1
            if j < scalars.count, scalars[j] == "+" || scalars[j] == "-" { j += 1 }
            if j < scalars.count, isDigit(scalars[j]) {
                isFloat = true
                i = j
                while i < scalars.count, isDigit(scalars[i]) || scalars[i] == "_" { i += 1 }
            }
        }
        let text = string(start, i).replacingOccurrences(of: "_", with: "")
        if isFloat {
            guard let value = Double(text) else { throw fail("a number", start) }
            return TemplateToken(kind: .float(value), offset: start)
        }
        guard let value = Int(text) else { throw fail("an integer that fits 64 bits", start) }
        return TemplateToken(kind: .integer(value), offset: start)
    }

    /// A quoted string with Python's escapes (as Jinja decodes them with "unicode-escape").
    private func stringLiteral(at i: inout Int) throws -> String {
        let start = i
        let quote = scalars[i]
        i += 1
        var out = String.UnicodeScalarView()
        while i < scalars.count {
            let c = scalars[i]
            if c == quote { i += 1; return String(out) }
            guard c == "\\" else { out.append(c); i += 1; continue }
            guard i + 1 < scalars.count else { break }
            let e = scalars[i + 1]
            i += 2
            switch e {
            case "\n": continue
            case "\\", "'", "\"": out.append(e)
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                guard i + width <= scalars.count, let v = UInt32(string(i, i + width), radix: 16),
                      let scalar = Unicode.Scalar(v) else { throw fail("\\\(e) followed by \(width) hex digits", i - 2) }
                out.append(scalar)
                i += width
            case "0"..."7":
                var v = e.value - 0x30
                var n = 1
                while n < 3, i < scalars.count, ("0"..."7").contains(scalars[i]) { v = v * 8 + scalars[i].value - 0x30; i += 1; n += 1 }
                guard let scalar = Unicode.Scalar(v) else { throw fail("an octal escape of a character", i) }
                out.append(scalar)
            case "N": throw fail("a string without \\N{…} escapes (not supported)", i - 2)
            default:
                guard e.isASCII else { throw fail("a string without a backslash before a non-ASCII character (not supported)", i - 2) }
                out.append("\\")
                out.append(e)
            }
        }
        throw fail("a closing quote", start)
    }

    private func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
    private func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isXIDStart }
    private func isNameScalar(_ c: Unicode.Scalar) -> Bool { c == "_" || c.properties.isXIDContinue }

    func string(_ from: Int, _ to: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[from..<to])
        return String(view)
    }

    /// 1-based line and column of a scalar offset.
    static func lineAndColumn(_ scalars: [Unicode.Scalar], _ offset: Int) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for s in scalars[0..<min(offset, scalars.count)] {
            if s == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

extension String {
    /// "\r\n" and lone "\r" as "\n" (Jinja's newline normalization).
    func replacingCRLF() -> String {
        guard unicodeScalars.contains("\r") else { return self }
        var out = String.UnicodeScalarView()
        var previousCR = false
        for s in unicodeScalars {
            if s == "\r" { out.append("\n"); previousCR = true; continue }
            if s == "\n" && previousCR { previousCR = false; continue }
            previousCR = false
            out.append(s)
        }
        return String(out)
    }
}
