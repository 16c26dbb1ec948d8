// Small byte-level helpers shared by the verifier's scanners. Everything in DispoVerifier works on
// UTF-8 bytes: all the syntax it looks for (LaTeX commands, braces, digits, `Answer:`) is ASCII, and
// byte loops are both linear and fast. No regular expressions anywhere in the module.

/// Runs `body` over the UTF-8 bytes of `text` without copying when the string is native.
@inline(__always)
func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
    let copy = Array(text.utf8)
    return copy.withUnsafeBufferPointer(body)
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
@inline(__always) func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 97 && (c | 0x20) <= 122 }
@inline(__always) func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 || c == 12 }
@inline(__always) func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }

enum Byte {
    static let backslash = UInt8(ascii: "\\")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")
    static let dollar = UInt8(ascii: "$")
    static let newline = UInt8(ascii: "\n")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let equals = UInt8(ascii: "=")
    static let caret = UInt8(ascii: "^")
    static let underscore = UInt8(ascii: "_")
    static let dot = UInt8(ascii: ".")
}

extension Collection where Element == UInt8, Index == Int {
    /// True when `word` (ASCII) occurs at `at`, compared case-insensitively if `caseless`.
    func has(_ word: StaticString, at: Int, caseless: Bool = false) -> Bool {
        let n = word.utf8CodeUnitCount
        guard at >= startIndex, at + n <= endIndex else { return false }
        let w = word.utf8Start
        for k in 0..<n {
            let a = self[at + k], b = w[k]
            if caseless ? lower(a) != lower(b) : a != b { return false }
        }
        return true
    }

    /// End of the ASCII letter run starting at `from`.
    func letterRunEnd(from: Int) -> Int {
        var j = from
        while j < endIndex, isLetter(self[j]) { j += 1 }
        return j
    }
}

/// Matching braces of a whole buffer in one pass with a stack: `match[i]` is the index of the brace that
/// closes (or opens) the brace at `i`, or -1. `\{` and `\}` are escaped and never match. O(n).
func matchBraces(_ b: [UInt8]) -> [Int32] {
    var match = [Int32](repeating: -1, count: b.count)
    var stack: [Int32] = []
    var i = 0
    while i < b.count {
        let c = b[i]
        if c == Byte.backslash { i += 2; continue }
        if c == Byte.openBrace {
            stack.append(Int32(i))
        } else if c == Byte.closeBrace, let open = stack.popLast() {
            match[Int(open)] = Int32(i)
            match[i] = open
        }
        i += 1
    }
    return match
}

func string(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
