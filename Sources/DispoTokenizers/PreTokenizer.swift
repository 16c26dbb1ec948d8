// The pre-tokenizer stage: cuts normalized text into pieces that BPE encodes independently. Supports the
// tokenizer.json types `Split` (regex or literal pattern, with HF's five behaviors and `invert`), `ByteLevel`
// (optional prefix space and GPT-2 regex; the byte→character mapping itself is folded into the BPE model's
// initial symbols) and `Sequence`. A missing pre_tokenizer is the identity (the whole text is one piece).

import DispoSupport

/// Text being cut into pieces: UTF-8 bytes and the byte ranges of the pieces, in order.
struct Pieces {
    var bytes: [UInt8] = []
    var ranges: [Range<Int>] = []
}

enum SplitBehavior: String, CaseIterable, Sendable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
}

/// How a split pattern is found in text.
enum SplitEngine: Sendable {
    case scanner(KnownPattern)
    case regex(RegexSplitter)
    case literal([UInt8])

    func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, buffers: ScanBuffers,
                 into out: inout [Range<Int>]) {
        switch self {
        case .scanner(let pattern): pattern.scan(bytes, start, end, buffers: buffers, into: &out)
        case .regex(let splitter): splitter.matches(bytes, start, end, into: &out)
        case .literal(let needle):
            guard !needle.isEmpty else { return }
            var i = start
            while i + needle.count <= end {
                var hit = true
                for k in 0..<needle.count where bytes[i + k] != needle[k] { hit = false; break }
                if hit { out.append(i..<(i + needle.count)); i += needle.count } else { i += 1 }
            }
        }
    }
}

indirect enum PreTokenizer: Sendable {
    case split(engine: SplitEngine, behavior: SplitBehavior, invert: Bool)
    case byteLevel(addPrefixSpace: Bool, useRegex: Bool)
    case sequence([PreTokenizer])

    static let knownTypes = ["ByteLevel", "Sequence", "Split"]

    /// Parses a `pre_tokenizer` object of tokenizer.json; nil for JSON null (the identity).
    static func parse(_ node: JSONReader?) throws -> PreTokenizer? {
        guard let node else { return nil }
        let typeNode = try node.member("type")
        switch try typeNode.string() {
        case "Sequence":
            return .sequence(try node.member("pretokenizers").array().compactMap { try parse($0) })
        case "ByteLevel":
            return .byteLevel(addPrefixSpace: try node["add_prefix_space"]?.bool() ?? true,
                              useRegex: try node["use_regex"]?.bool() ?? true)
        case "Split":
            let patternNode = try node.member("pattern")
            let engine: SplitEngine
            if let regex = patternNode["Regex"] {
                let text = try regex.string()
                if let known = KnownPattern(regex: text) {
                    engine = .scanner(known)
                } else {
                    engine = .regex(try RegexSplitter(pattern: text, file: node.file, place: regex.place))
                }
            } else if let literal = patternNode["String"] {
                engine = .literal(Array(try literal.string().utf8))
            } else {
                throw patternNode.error("{\"Regex\": …} or {\"String\": …}")
            }
            let behaviorNode = try node.member("behavior")
            guard let behavior = SplitBehavior(rawValue: try behaviorNode.string()) else {
                throw behaviorNode.error("one of " + SplitBehavior.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return .split(engine: engine, behavior: behavior, invert: try node["invert"]?.bool() ?? false)
        default:
            throw typeNode.error("a pre-tokenizer type of " + knownTypes.joined(separator: ", "))
        }
    }

    /// Cuts every piece of `pieces` further.
    func apply(_ pieces: inout Pieces, buffers: ScanBuffers) {
        switch self {
        case .sequence(let stages):
            for stage in stages { stage.apply(&pieces, buffers: buffers) }
        case .byteLevel(let addPrefixSpace, let useRegex):
            if addPrefixSpace { Self.prefixSpaces(&pieces) }
            if useRegex { Self.split(&pieces, engine: .scanner(.gpt2), behavior: .isolated, invert: false, buffers: buffers) }
        case .split(let engine, let behavior, let invert):
            Self.split(&pieces, engine: engine, behavior: behavior, invert: invert, buffers: buffers)
        }
    }

    /// Prepends a space to every piece that does not start with one (ByteLevel `add_prefix_space`).
    private static func prefixSpaces(_ pieces: inout Pieces) {
        guard pieces.ranges.contains(where: { !$0.isEmpty && pieces.bytes[$0.lowerBound] != 0x20 }) else { return }
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        bytes.reserveCapacity(pieces.bytes.count + pieces.ranges.count)
        for range in pieces.ranges where !range.isEmpty {
            let start = bytes.count
            if pieces.bytes[range.lowerBound] != 0x20 { bytes.append(0x20) }
            bytes.append(contentsOf: pieces.bytes[range])
            ranges.append(start..<bytes.count)
        }
        pieces = Pieces(bytes: bytes, ranges: ranges)
    }

    private static func split(_ pieces: inout Pieces, engine: SplitEngine, behavior: SplitBehavior, invert: Bool,
                              buffers: ScanBuffers) {
        var out: [Range<Int>] = []
        out.reserveCapacity(pieces.ranges.count * 4)
        var matches: [Range<Int>] = []
        pieces.bytes.withUnsafeBufferPointer { bytes in
            for range in pieces.ranges {
                if case .scanner = engine, behavior == .isolated, !invert {
                    // Known patterns tile the text: the matches are the pieces.
                    engine.matches(bytes, range.lowerBound, range.upperBound, buffers: buffers, into: &out)
                    continue
                }
                matches.removeAll(keepingCapacity: true)
                engine.matches(bytes, range.lowerBound, range.upperBound, buffers: buffers, into: &matches)
                apply(behavior, invert: invert, matches: matches, within: range, into: &out)
            }
        }
        pieces.ranges = out
    }

    /// Hugging Face's `SplitDelimiterBehavior` over the matches (delimiters) and the gaps between them.
    static func apply(_ behavior: SplitBehavior, invert: Bool, matches: [Range<Int>], within range: Range<Int>,
                      into out: inout [Range<Int>]) {
        var parts: [(range: Range<Int>, isMatch: Bool)] = []
        var previous = range.lowerBound
        for m in matches where !m.isEmpty {
            if m.lowerBound > previous { parts.append((previous..<m.lowerBound, invert)) }
            parts.append((m, !invert))
            previous = m.upperBound
        }
        if previous < range.upperBound { parts.append((previous..<range.upperBound, invert)) }

        var result: [Range<Int>] = []
        var previousMatch = false
        switch behavior {
        case .isolated:
            result = parts.map(\.range)
        case .removed:
            result = parts.filter { !$0.isMatch }.map(\.range)
        case .mergedWithPrevious:
            for part in parts {
                if part.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
        case .mergedWithNext:
            for part in parts.reversed() {
                if part.isMatch && !previousMatch, let last = result.last {
                    result[result.count - 1] = part.range.lowerBound..<last.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
            result.reverse()
        case .contiguous:
            for (index, part) in parts.enumerated() {
                if index > 0 && part.isMatch == previousMatch, let last = result.last {
                    result[result.count - 1] = last.lowerBound..<part.range.upperBound
                } else {
                    result.append(part.range)
                }
                previousMatch = part.isMatch
            }
        }
        out.append(contentsOf: result)
    }
}
