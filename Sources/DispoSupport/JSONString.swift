// JSON string literals for hand-written JSON lines (shard cat, tokenize, grade, metrics): quotes, backslashes
// and control characters escaped, every other character as it is (UTF-8 output).

public enum JSONString {
    /// `"…"` with `"`, `\`, and U+0000…U+001F and U+007F escaped.
    public static func literal(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
