// Finds the content of the last `\boxed{…}` (or `\fbox{…}`) in LaTeX text, with nested braces matched.
// Datasets give gold answers this way (MATH solutions); the verifier reads responses the same way.
// Unbalanced braces yield nil (or an earlier, balanced box) rather than a guess.
//
// Linear time, scanning from the end: candidates are tried last to first, and a candidate whose brace
// does not close before the previous failed candidate can never close at all (it would enclose that
// unclosed brace), so each byte is brace-scanned at most once. `\{` and `\}` never count as braces.

public enum Boxed {
    /// The brace-matched content of the last `\boxed{...}` or `\fbox{...}` in `text`, or nil.
    /// `\boxed 5` (a single token without braces) yields "5".
    public static func lastContent(in text: String) -> String? {
        withBytes(text) { bytes in
            lastRange(in: bytes).map { string(bytes[$0]) }
        }
    }

    /// Byte range of the content of the last well-formed box in `bytes`.
    static func lastRange(in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        lastBox(in: bytes)?.content
    }

    /// The last well-formed box: where its command starts and the byte range of its content.
    static func lastBox(in bytes: UnsafeBufferPointer<UInt8>) -> (start: Int, content: Range<Int>)? {
        var limit = bytes.count
        var k = bytes.count - 1
        while k >= 0 {
            defer { k -= 1 }
            guard bytes[k] == Byte.backslash else { continue }
            let nameEnd: Int
            if bytes.has("boxed", at: k + 1) { nameEnd = k + 6 } else if bytes.has("fbox", at: k + 1) { nameEnd = k + 5 } else { continue }
            if nameEnd < bytes.count, isLetter(bytes[nameEnd]) { continue }   // `\boxedx` is another command
            var open = nameEnd
            while open < limit, bytes[open] == 32 { open += 1 }
            if open < limit, bytes[open] == Byte.openBrace {
                if let close = closing(bytes, open: open, limit: limit) { return (k, (open + 1)..<close) }
                limit = k
            } else if nameEnd < limit, bytes[nameEnd] == 32 {
                // `\boxed 5`: the token up to the next space or `$`.
                var end = nameEnd + 1
                while end < limit, bytes[end] != 32, bytes[end] != Byte.dollar { end += 1 }
                if end > nameEnd + 1 { return (k, (nameEnd + 1)..<end) }
            }
        }
        return nil
    }

    /// Index of the brace closing the one at `open`, searching below `limit`.
    private static func closing(_ bytes: UnsafeBufferPointer<UInt8>, open: Int, limit: Int) -> Int? {
        var depth = 0
        var j = open
        while j < limit {
            let c = bytes[j]
            if c == Byte.backslash { j += 2; continue }
            if c == Byte.openBrace { depth += 1 } else if c == Byte.closeBrace {
                depth -= 1
                if depth == 0 { return j }
            }
            j += 1
        }
        return nil
    }
}
