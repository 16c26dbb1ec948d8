// The general split engine: a pre-tokenizer regex run by ICU (NSRegularExpression), for patterns that have no
// hand-written scanner. ICU's `\s` lacks U+000B and U+0085, which Oniguruma (the engine of Hugging Face
// tokenizers) includes, so `\s`/`\S` are rewritten to the explicit Oniguruma set before compiling.

import DispoSupport
import Foundation

final class RegexSplitter: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe
    let pattern: String
    private let regex: NSRegularExpression

    init(pattern: String, file: String, place: String) throws {
        self.pattern = pattern
        do {
            regex = try NSRegularExpression(pattern: RegexSplitter.onigurumaSpaces(pattern))
        } catch {
            throw InputError(file: file, place: place, expected: "a regular expression ICU can compile",
                             found: InputError.excerpt(pattern))
        }
    }

    /// Appends the UTF-8 ranges of the matches in `start..<end` of `bytes` to `out`.
    func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into out: inout [Range<Int>]) {
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        // UTF-16 offset → UTF-8 offset, for every scalar boundary.
        var utf8At = [Int](repeating: 0, count: text.utf16.count + 1)
        var u16 = 0, u8 = 0
        for scalar in text.unicodeScalars {
            utf8At[u16] = u8
            u16 += scalar.utf16.count
            u8 += scalar.utf8.count
        }
        utf8At[u16] = u8
        let all = NSRange(location: 0, length: u16)
        for match in regex.matches(in: text, range: all) where match.range.length > 0 {
            out.append((start + utf8At[match.range.location])..<(start + utf8At[match.range.location + match.range.length]))
        }
    }

    /// Replaces `\s` and `\S` (inside and outside brackets) with Oniguruma's white-space set.
    static func onigurumaSpaces(_ pattern: String) -> String {
        let set = #"\t\n\x{0B}\f\r\x{85}\p{Z}"#
        var out = ""
        var depth = 0
        var chars = pattern.makeIterator()
        while let ch = chars.next() {
            if ch == "\\", let next = chars.next() {
                switch next {
                case "s": out += depth > 0 ? set : "[\(set)]"
                case "S": out += depth > 0 ? "[^\(set)]" : "[^\(set)]"
                default: out.append(ch); out.append(next)
                }
                continue
            }
            if ch == "[" { depth += 1 }
            if ch == "]" && depth > 0 { depth -= 1 }
            out.append(ch)
        }
        return out
    }
}
