// Hand-written scanners for the three split regexes that byte-level BPE tokenizers use, equivalent to the
// regexes under Oniguruma's leftmost-alternative semantics but running over decoded scalars with a table
// lookup per character instead of a backtracking engine:
//   GPT-2:   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   Qwen2:   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   Llama-3: the Qwen2 pattern with \p{N}{1,3} in place of \p{N}.
// Every character falls in one of the classes letter/number/space/other, so these patterns leave no gaps:
// the matches tile the text. `RegexSplitter` is the general (slow) engine; tests check the two agree.

/// A split regex that has a hand-written scanner.
public enum KnownPattern: String, CaseIterable, Sendable {
    case gpt2, qwen2, llama3

    public var regex: String {
        switch self {
        case .gpt2: return #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        case .qwen2:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        case .llama3:
            return #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        }
    }

    public init?(regex: String) {
        guard let known = KnownPattern.allCases.first(where: { $0.regex == regex }) else { return nil }
        self = known
    }
}

/// Reusable buffers for one scan: the scalars of a piece, their classes, and their UTF-8 offsets.
final class ScanBuffers {
    var scalars: [UInt32] = []
    var classes: [UInt8] = []
    var offsets: [Int] = []  // count + 1 entries; offsets[count] is the end

    /// Decodes the (valid) UTF-8 bytes `start..<end` of `bytes`.
    func load(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        // Work on locals: appending to a class's stored arrays would pay a dynamic exclusivity check per element.
        var scalars = self.scalars, classes = self.classes, offsets = self.offsets
        self.scalars = []; self.classes = []; self.offsets = []
        defer { self.scalars = scalars; self.classes = classes; self.offsets = offsets }
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        let table = ScalarClass.table
        var i = start
        while i < end {
            let b0 = UInt32(bytes[i])
            let length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
            let value: UInt32
            if i + length > end {
                value = 0xFFFD  // a truncated sequence (never from a String): one replacement scalar for the rest
            } else if length == 1 {
                value = b0
            } else if length == 2 {
                value = (b0 & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
            } else if length == 3 {
                value = (b0 & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
            } else {
                value = (b0 & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                    | UInt32(bytes[i + 3] & 0x3F)
            }
            scalars.append(value)
            classes.append(value < 0x10000 ? table[Int(value)] : ScalarClass.of(value).rawValue)
            offsets.append(i)
            i = min(i + length, end)
        }
        offsets.append(end)
    }
}

extension KnownPattern {
    /// Appends the UTF-8 ranges of the matches in `start..<end` of `bytes` to `out`.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, buffers: ScanBuffers,
              into out: inout [Range<Int>]) {
        if start == end { return }
        buffers.load(bytes, start, end)
        buffers.scalars.withUnsafeBufferPointer { s in
            buffers.classes.withUnsafeBufferPointer { c in
                buffers.offsets.withUnsafeBufferPointer { o in
                    let n = s.count
                    var i = 0
                    while i < n {
                        let next = self == .gpt2 ? Self.gpt2Match(s, c, n, i) : Self.qwenMatch(s, c, n, i, digits: self == .qwen2 ? 1 : 3)
                        out.append(o[i]..<o[next])
                        i = next
                    }
                }
            }
        }
    }

    private static let letter = ScalarClass.letter.rawValue, number = ScalarClass.number.rawValue
    private static let space = ScalarClass.space.rawValue, other = ScalarClass.other.rawValue

    @inline(__always)
    private static func runEnd(_ c: UnsafeBufferPointer<UInt8>, _ n: Int, _ from: Int, _ cls: UInt8) -> Int {
        var k = from
        while k < n && c[k] == cls { k += 1 }
        return k
    }

    @inline(__always)
    private static func isNewline(_ v: UInt32) -> Bool { v == 0x0A || v == 0x0D }

    /// Length of a contraction `'s 't 're 've 'm 'll 'd` at `i` (an apostrophe), 0 if none.
    @inline(__always)
    private static func contraction(_ s: UnsafeBufferPointer<UInt32>, _ n: Int, _ i: Int, ignoreCase: Bool) -> Int {
        guard i + 1 < n else { return 0 }
        func fold(_ v: UInt32) -> UInt32 {
            guard ignoreCase else { return v }
            if v >= 0x41 && v <= 0x5A { return v + 0x20 }
            if v == 0x17F { return 0x73 }  // ſ case-folds to s
            return v
        }
        let a = fold(s[i + 1])
        if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { return 2 }  // s t m d
        guard i + 2 < n else { return 0 }
        let b = fold(s[i + 2])
        if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) { return 3 }  // re ve ll
        return 0
    }

    /// End of the whitespace alternatives `\s+(?!\S)|\s+` starting at space `i`.
    @inline(__always)
    private static func spaceRunMatch(_ c: UnsafeBufferPointer<UInt8>, _ n: Int, _ i: Int, _ k: Int) -> Int {
        // The run is i..<k. Before a non-space, `\s+(?!\S)` leaves the last space for the next piece.
        if k < n && k - i >= 2 { return k - 1 }
        return k
    }

    private static func gpt2Match(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>, _ n: Int, _ i: Int) -> Int {
        let ch = s[i]
        if ch == 0x27 {
            let length = contraction(s, n, i, ignoreCase: false)
            if length > 0 { return i + length }
        }
        let j = (ch == 0x20 && i + 1 < n) ? i + 1 : i
        let cj = c[j]
        if cj == letter || cj == number || cj == other { return runEnd(c, n, j, cj) }
        return spaceRunMatch(c, n, i, runEnd(c, n, i, space))
    }

    private static func qwenMatch(_ s: UnsafeBufferPointer<UInt32>, _ c: UnsafeBufferPointer<UInt8>, _ n: Int, _ i: Int,
                                  digits: Int) -> Int {
        let ch = s[i]
        let ci = c[i]
        if ch == 0x27 {
            let length = contraction(s, n, i, ignoreCase: true)
            if length > 0 { return i + length }
        }
        if ci == letter { return runEnd(c, n, i, letter) }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if ci != number && !isNewline(ch) && i + 1 < n && c[i + 1] == letter { return runEnd(c, n, i + 1, letter) }
        if ci == number {  // \p{N} or \p{N}{1,3}: look no further than `digits` ahead
            var k = i + 1
            while k < n && k < i + digits && c[k] == number { k += 1 }
            return k
        }
        // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
        let j = (ch == 0x20 && i + 1 < n) ? i + 1 : i
        if c[j] == other {
            var e = runEnd(c, n, j, other)
            while e < n && isNewline(s[e]) { e += 1 }
            return e
        }
        // `\s*[\r\n]+`: up to and including the last newline of the space run.
        let k = runEnd(c, n, i, space)
        var p = k - 1
        while p >= i && !isNewline(s[p]) { p -= 1 }
        if p >= i { return p + 1 }
        return spaceRunMatch(c, n, i, k)
    }
}

extension KnownPattern {
    /// The pieces of `text` found by the hand-written scanner.
    public func split(_ text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var ranges: [Range<Int>] = []
            scan(bytes, 0, bytes.count, buffers: ScanBuffers(), into: &ranges)
            return ranges.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
    }

    /// The pieces of `text` found by the general regex engine running this pattern: the slow reference that
    /// `split` must agree with.
    public func splitWithRegexEngine(_ text: String) throws -> [String] {
        let splitter = try RegexSplitter(pattern: regex, file: "KnownPattern.\(self)", place: "regex")
        var text = text
        return text.withUTF8 { bytes in
            var ranges: [Range<Int>] = []
            splitter.matches(bytes, 0, bytes.count, into: &ranges)
            return ranges.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
    }
}
