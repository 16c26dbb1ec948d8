// The added-token stage: finds added/special tokens (`<|im_start|>`, `<|endoftext|>`, …) in text before any other
// stage, so they become their single ids and the text between them is tokenized normally. Matching is
// leftmost-longest like Hugging Face's AddedVocabulary, honouring `single_word` (only between non-word
// characters), `lstrip` / `rstrip` (the token swallows white space on that side).

import DispoSupport

struct AddedToken: Sendable {
    var id: TokenID
    var content: String
    var special: Bool
    var lstrip = false
    var rstrip = false
    var singleWord = false
    /// Matched in normalized text (true) or in the raw input (false).
    var normalized = false
}

/// A run of input: plain text (a byte range) or one added token.
enum Segment {
    case text(Range<Int>)
    case token(TokenID)
}

struct AddedTokenMatcher: Sendable {
    private let tokens: [(bytes: [UInt8], token: AddedToken)]
    /// For each first byte, the tokens starting with it, longest first.
    private let byFirstByte: [[Int]]

    init(_ tokens: [AddedToken]) {
        let list = tokens.filter { !$0.content.isEmpty }.map { (Array($0.content.utf8), $0) }
        var table = [[Int]](repeating: [], count: 256)
        for (index, entry) in list.enumerated() { table[Int(entry.0[0])].append(index) }
        for b in 0..<256 { table[b].sort { list[$0].0.count > list[$1].0.count } }
        self.tokens = list
        byFirstByte = table
    }

    var isEmpty: Bool { tokens.isEmpty }

    /// Splits `bytes[start..<end]` into text and token segments, appended to `out`.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Segment]) {
        var textStart = start
        var i = start
        while i < end {
            guard let (index, length) = longestMatch(bytes, i, end) else { i += 1; continue }
            let token = tokens[index].token
            var matchStart = i, matchEnd = i + length
            if token.singleWord {
                let wordBefore = matchStart > start && Self.isWordByteBefore(bytes, start, matchStart)
                let wordAfter = matchEnd < end && Self.isWordByteAfter(bytes, matchEnd, end)
                if wordBefore || wordAfter { i += 1; continue }
            }
            if token.lstrip {
                while matchStart > textStart, let s = Self.spaceBefore(bytes, textStart, matchStart) { matchStart = s }
            }
            if token.rstrip {
                while matchEnd < end, let e = Self.spaceAfter(bytes, matchEnd, end) { matchEnd = e }
            }
            if textStart < matchStart { out.append(.text(textStart..<matchStart)) }
            out.append(.token(token.id))
            textStart = matchEnd
            i = matchEnd
        }
        if textStart < end { out.append(.text(textStart..<end)) }
    }

    @inline(__always)
    private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int, _ end: Int) -> (Int, Int)? {
        for index in byFirstByte[Int(bytes[i])] {
            let needle = tokens[index].bytes
            if i + needle.count > end { continue }
            var k = 1
            while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
            if k == needle.count { return (index, needle.count) }
        }
        return nil
    }

    /// The scalar ending at `end` (decoded backwards) and its start.
    private static func scalar(before end: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ floor: Int) -> (UInt32, Int) {
        var s = end - 1
        while s > floor && bytes[s] & 0xC0 == 0x80 { s -= 1 }
        return (decodeScalar(bytes, s, end), s)
    }

    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, _ s: Int, _ limit: Int) -> UInt32 {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[s..<min(limit, s + 4)]), as: UTF8.self)
        return text.unicodeScalars.first?.value ?? 0xFFFD
    }

    private static func scalarLength(_ b: UInt8) -> Int { b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4 }

    private static func isWord(_ v: UInt32) -> Bool {
        let c = ScalarClass.of(v)
        return c == .letter || c == .number || v == 0x5F
    }

    private static func isWordByteBefore(_ bytes: UnsafeBufferPointer<UInt8>, _ floor: Int, _ end: Int) -> Bool {
        isWord(scalar(before: end, bytes, floor).0)
    }

    private static func isWordByteAfter(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        isWord(decodeScalar(bytes, start, end))
    }

    private static func spaceBefore(_ bytes: UnsafeBufferPointer<UInt8>, _ floor: Int, _ end: Int) -> Int? {
        let (v, s) = scalar(before: end, bytes, floor)
        return ScalarClass.of(v) == .space ? s : nil
    }

    private static func spaceAfter(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        let v = decodeScalar(bytes, start, end)
        return ScalarClass.of(v) == .space ? min(end, start + scalarLength(bytes[start])) : nil
    }
}
