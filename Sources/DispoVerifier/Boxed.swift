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
        var work = 0
        return lastBox(in: bytes, work: &work)
    }

    /// `lastBox`, adding to `work` the bytes it reads (each at most twice: once backward, once brace-scanned).
    static func lastBox(in bytes: UnsafeBufferPointer<UInt8>, work: inout Int) -> (start: Int, content: Range<Int>)? {
        var limit = bytes.count
        var k = bytes.count - 1
        var scanned = 0
        defer { work += (bytes.count - max(0, k)) + scanned }
        while k >= 0 {
            defer { k -= 1 }
            guard bytes[k] == Byte.backslash else { continue }
            let nameEnd: Int
            if bytes.has("boxed", at: k + 1) { nameEnd = k + 6 } else if bytes.has("fbox", at: k + 1) { nameEnd = k + 5 } else { continue }
            if nameEnd < bytes.count, isLetter(bytes[nameEnd]) { continue }   // `\boxedx` is another command
            var open = nameEnd
            while open < limit, bytes[open] == 32 { open += 1 }
            if open < limit, bytes[open] == Byte.openBrace {
                if let close = closing(bytes, open: open, limit: limit) { scanned += close - open; return (k, (open + 1)..<close) }
                scanned += limit - open
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

extension Boxed {
    /// The last box and the boxes just before it that it is listed with (`\boxed{3}, \boxed{5}`,
    /// `$x=\boxed{3}$ or $x=\boxed{5}$`; up to 16): their contents in order, consecutive repeats once.
    /// Boxes separated by anything more than separators (a sentence, a new line, words) are not a list:
    /// the earlier one was a step or a first attempt.
    static func lastGroup(in bytes: UnsafeBufferPointer<UInt8>, work: inout Int)
        -> (contents: [Range<Int>], start: Int, end: Int)? {
        guard let last = lastBox(in: bytes, work: &work) else { return nil }
        var contents = [last.content]
        var start = last.start
        while contents.count < 16, let previous = boxEnding(before: start, in: bytes, work: &work) {
            if !bytes[previous.content].elementsEqual(bytes[contents[0]]) { contents.insert(previous.content, at: 0) }
            start = previous.start
        }
        return (contents, start, last.content.upperBound + 1)
    }

    /// A braced box that ends at most 40 separator bytes before `start` (see `isBoxSeparator`): found by
    /// stepping back over the separators and then over the box's braces, so only its own bytes are read.
    static func boxEnding(before start: Int, in b: UnsafeBufferPointer<UInt8>, work: inout Int) -> (start: Int, content: Range<Int>)? {
        var close = start - 1
        while close >= 0, start - close <= 41, b[close] != Byte.closeBrace { close -= 1 }
        guard close >= 0, b[close] == Byte.closeBrace, isBoxSeparator(b, (close + 1)..<start) else { return nil }
        var depth = 0, k = close
        defer { work += start - k }
        while k >= 0 {
            let escaped = k > 0 && b[k - 1] == Byte.backslash
            if b[k] == Byte.closeBrace, !escaped { depth += 1 }
            if b[k] == Byte.openBrace, !escaped {
                depth -= 1
                if depth == 0 { break }
            }
            k -= 1
        }
        guard k >= 0 else { return nil }
        var name = k
        while name > 0, b[name - 1] == 32 { name -= 1 }
        for command: StaticString in ["\\boxed", "\\fbox"] where name >= command.utf8CodeUnitCount {
            let at = name - command.utf8CodeUnitCount
            if b.has(command, at: at) { return (at, (k + 1)..<close) }
        }
        return nil
    }

    /// Between two boxes of a list: at most 40 bytes of spaces, `$`, `,`, `;`, `=`, the words "and"/"or",
    /// single letters (`x =`) and `\text{…}` around them; no sentence end.
    static func isBoxSeparator(_ b: UnsafeBufferPointer<UInt8>, _ gap: Range<Int>) -> Bool {
        guard gap.count <= 40, gap.lowerBound <= gap.upperBound else { return false }
        var k = gap.lowerBound
        while k < gap.upperBound {
            let c = b[k]
            if isLetter(c) {
                let end = min(b.letterRunEnd(from: k), gap.upperBound)
                let word = b[k..<end]
                guard word.count == 1 || word.elementsEqual("and".utf8) || word.elementsEqual("or".utf8)
                        || word.elementsEqual("text".utf8) else { return false }
                k = end
                continue
            }
            guard isSpace(c) && c != Byte.newline || "$,;=\\{}()".utf8.contains(c) else { return false }
            k += 1
        }
        return true
    }
}
