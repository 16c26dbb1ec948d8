// Python's text rules, as chat templates (Jinja on Python) see them: which characters are white space
// (`str.isspace`), strip/split/splitlines, `repr` of strings and floats, and `json.dumps` (the `tojson` filter
// of transformers: ensure_ascii False, optional indent, separators and sort_keys). Strings are compared and
// searched as code points (UTF-8 bytes), never as Swift Characters, so "e\u{301}" and "é" stay different.

enum PythonText {
    /// Python's `str.isspace()` set (also what `\s` matches in Python's `re`).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.strip(chars)` / `lstrip` / `rstrip`; `chars` nil strips white space.
    static func strip(_ text: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        let set = chars.map { Set($0.unicodeScalars) }
        func strippable(_ s: Unicode.Scalar) -> Bool { set?.contains(s) ?? isSpace(s) }
        var start = 0, end = scalars.count
        if leading { while start < end, strippable(scalars[start]) { start += 1 } }
        if trailing { while end > start, strippable(scalars[end - 1]) { end -= 1 } }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
    }

    /// `str.split(sep, maxsplit)` (or `rsplit` with `fromRight`). `sep` nil splits on runs of white space and
    /// drops empty parts; an empty `sep` is an error in Python, so the caller rejects it.
    static func split(_ text: String, separator: String?, maxSplit: Int, fromRight: Bool = false) -> [String] {
        guard let separator else { return splitOnSpace(text, maxSplit: maxSplit, fromRight: fromRight) }
        let bytes = Array(text.utf8), needle = Array(separator.utf8)
        var cuts: [Range<Int>] = []
        if fromRight {
            var i = bytes.count - needle.count
            while i >= 0 && (maxSplit < 0 || cuts.count < maxSplit) {
                if matches(bytes, needle, at: i) { cuts.append(i..<(i + needle.count)); i -= needle.count } else { i -= 1 }
            }
            cuts.reverse()
        } else {
            var i = 0
            while i + needle.count <= bytes.count && (maxSplit < 0 || cuts.count < maxSplit) {
                if matches(bytes, needle, at: i) { cuts.append(i..<(i + needle.count)); i += needle.count } else { i += 1 }
            }
        }
        var parts: [String] = []
        var previous = 0
        for cut in cuts {
            parts.append(String(decoding: bytes[previous..<cut.lowerBound], as: UTF8.self))
            previous = cut.upperBound
        }
        parts.append(String(decoding: bytes[previous...], as: UTF8.self))
        return parts
    }

    private static func splitOnSpace(_ text: String, maxSplit: Int, fromRight: Bool) -> [String] {
        var scalars = Array(text.unicodeScalars)
        if fromRight { scalars.reverse() }
        var parts: [[Unicode.Scalar]] = []
        var i = 0
        while i < scalars.count {
            while i < scalars.count, isSpace(scalars[i]) { i += 1 }
            if i == scalars.count { break }
            if maxSplit >= 0 && parts.count == maxSplit {
                parts.append(Array(scalars[i...]))  // the rest keeps its trailing white space, as in Python
                break
            }
            let start = i
            while i < scalars.count, !isSpace(scalars[i]) { i += 1 }
            parts.append(Array(scalars[start..<i]))
        }
        if fromRight { parts = parts.reversed().map { $0.reversed() } }
        return parts.map { var view = String.UnicodeScalarView(); view.append(contentsOf: $0); return String(view) }
    }

    static func matches(_ bytes: [UInt8], _ needle: [UInt8], at i: Int) -> Bool {
        guard i >= 0, i + needle.count <= bytes.count else { return false }
        for k in 0..<needle.count where bytes[i + k] != needle[k] { return false }
        return true
    }

    /// Byte offset of the first (or last) occurrence of `needle`, nil when absent.
    static func find(_ text: String, _ needle: String, last: Bool = false) -> Int? {
        let bytes = Array(text.utf8), n = Array(needle.utf8)
        guard n.count <= bytes.count else { return nil }
        let positions = Array(0...(bytes.count - n.count))
        for i in last ? positions.reversed() : positions where matches(bytes, n, at: i) { return i }
        return nil
    }

    static func contains(_ text: String, _ needle: String) -> Bool { find(text, needle) != nil }

    /// `str.splitlines()`: Python's line boundaries, "\r\n" as one, without the line ends.
    static func splitLines(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            let v = scalars[i].value
            if [0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029].contains(v) {
                if v == 0x0D, i + 1 < scalars.count, scalars[i + 1] == "\n" { i += 1 }
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalars[i])
            }
            i += 1
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    /// Python's `repr(str)`: single quotes unless the text has ' and no ", escapes for non-printable scalars.
    static func repr(_ text: String) -> String {
        let quote: Unicode.Scalar = text.unicodeScalars.contains("'") && !text.unicodeScalars.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\" + String(quote)
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x100 {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Python's `str.isprintable()` for one scalar: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (space excepted).
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Python's `repr(float)`: the shortest digits that round-trip, fixed notation for 1e-4 <= |x| < 1e16,
    /// otherwise `d.ddde±XX`; always with a `.0` when integral in fixed notation.
    static func floatRepr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let (digits, pointPosition) = shortestDigits(abs(value))
        let sign = value < 0 ? "-" : ""
        if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
            }
            if digits.count <= pointPosition {
                return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            let cut = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<cut] + "." + digits[cut...]
        }
        let exponent = pointPosition - 1
        let mantissa = digits.count == 1 ? digits : String(digits.prefix(1)) + "." + digits.dropFirst()
        let expDigits = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (expDigits.count < 2 ? "0" : "") + expDigits
    }

    /// The shortest round-trip decimal digits of a positive finite `value` (Swift's `description` computes
    /// them) and the decimal point's position: value = 0.d1d2… × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
        let text = value.description  // e.g. "1234.5", "1e-05", "1.5e+300", "5e-324"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fraction
        var point = integerPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, point)
    }

    /// A JSON string literal as Python's `json.dumps(…, ensure_ascii=False)` writes it.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 { out += "\\u" + hex(scalar.value, width: 4) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
