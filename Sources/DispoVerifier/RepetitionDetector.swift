// Repetition detection (ours; docs/VERIFIER.md). A response is repetitive when
//   (a) its word-n-gram duplicate fraction 1 − unique/total exceeds `max_duplicate_fraction` (n = 4, 0.5), or
//   (b) a period-p loop (p ≤ `max_period` = 64 tokens) covers ≥ `min_loop_coverage` (50%) of its last
//       `window` (1024) tokens, or
//   (c) degenerate output: short loops (period ≤ 4, each unit repeated ≥ 3 times: `0000`, `}}}}`, `abab`),
//       different ones together, cover ≥ `min_loop_coverage` of that window, or the window (≥ 16 tokens) has at
//       most 3 distinct tokens (`0}0}}0}}}…`). Without token ids, (c) reads the text's bytes, so a word-free
//       `0000…` counts too.
// Words are maximal runs of non-space bytes, hashed without branches, and their n-grams counted in an
// open-addressing table: O(n).
// Loops use token ids when given, else the words. A loop of period p covering C tokens is a run of
// C − p consecutive positions with t[i] = t[i−p]; any run at least s long contains a multiple of s, so only
// every s-th position is tested and a hit is widened to its run. Per period that is window/s probes plus
// the run length, so the whole check is O(max_period + window) on ordinary text and O(window) at worst
// per period. Windows shorter than 16 tokens never count as loops (ours: "5 5" is not a loop).

import DispoSupport

public enum RepetitionAction: String, Codable, Sendable, CaseIterable {
    /// Only report the metric.
    case metric
    /// Add `penalty` to the reward.
    case penalty
    /// Grade the response incorrect.
    case incorrect
}

public struct RepetitionConfig: Codable, Sendable, Equatable {
    public var ngram: Int
    public var maxDuplicateFraction: Double
    public var maxPeriod: Int
    public var window: Int
    public var minLoopCoverage: Double
    public var action: RepetitionAction
    public var penalty: Double

    enum CodingKeys: String, CodingKey {
        case ngram
        case maxDuplicateFraction = "max_duplicate_fraction"
        case maxPeriod = "max_period"
        case window
        case minLoopCoverage = "min_loop_coverage"
        case action
        case penalty
    }

    public init(ngram: Int = 4, maxDuplicateFraction: Double = 0.5, maxPeriod: Int = 64, window: Int = 1024,
                minLoopCoverage: Double = 0.5, action: RepetitionAction = .metric, penalty: Double = -1) {
        self.ngram = ngram
        self.maxDuplicateFraction = maxDuplicateFraction
        self.maxPeriod = maxPeriod
        self.window = window
        self.minLoopCoverage = minLoopCoverage
        self.action = action
        self.penalty = penalty
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RepetitionConfig()
        ngram = try c.decodeIfPresent(Int.self, forKey: .ngram) ?? d.ngram
        maxDuplicateFraction = try c.decodeIfPresent(Double.self, forKey: .maxDuplicateFraction) ?? d.maxDuplicateFraction
        maxPeriod = try c.decodeIfPresent(Int.self, forKey: .maxPeriod) ?? d.maxPeriod
        window = try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window
        minLoopCoverage = try c.decodeIfPresent(Double.self, forKey: .minLoopCoverage) ?? d.minLoopCoverage
        if let name = try c.decodeIfPresent(String.self, forKey: .action) {
            guard let action = RepetitionAction(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .action, in: c, debugDescription:
                    "unknown repetition action \"\(name)\"; valid: \(RepetitionAction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.action = action
        } else {
            action = d.action
        }
        penalty = try c.decodeIfPresent(Double.self, forKey: .penalty) ?? d.penalty
    }

    public func validate(file: String = "config") throws {
        func fail(_ key: String, _ expected: String, _ found: String) -> InputError {
            InputError(file: file, place: "$.\(key)", expected: expected, found: found)
        }
        guard (1...16).contains(ngram) else { throw fail("ngram", "1...16", "\(ngram)") }
        guard (0...1).contains(maxDuplicateFraction) else { throw fail("max_duplicate_fraction", "0...1", "\(maxDuplicateFraction)") }
        guard maxPeriod >= 1 else { throw fail("max_period", "≥ 1", "\(maxPeriod)") }
        guard window >= 2 else { throw fail("window", "≥ 2 tokens", "\(window)") }
        guard minLoopCoverage > 0, minLoopCoverage <= 1 else { throw fail("min_loop_coverage", "in (0, 1]", "\(minLoopCoverage)") }
        guard penalty.isFinite else { throw fail("penalty", "a finite number", "\(penalty)") }
    }
}

public struct RepetitionReport: Sendable, Equatable {
    /// 1 − unique/total over word n-grams (0 when there are fewer than n words).
    public var duplicateFraction: Double
    /// Period of the loop found, or nil.
    public var loopPeriod: Int?
    /// Share of the window that loop covers (0 when none).
    public var loopCoverage: Double
    /// Share of the window covered by short loops (period ≤ 4), all together; 0 below 16 tokens, and 0 when a
    /// quick bound shows it is below `min_loop_coverage`.
    public var shortLoopCoverage: Double = 0
    /// The window has at least 16 tokens and at most 3 distinct ones.
    public var fewDistinct: Bool = false
    public var isRepetitive: Bool
}

public struct RepetitionDetector: Sendable {
    public let config: RepetitionConfig
    static let minLoopWindow = 16

    public init(config: RepetitionConfig = RepetitionConfig()) { self.config = config }

    /// Checks a response's text (for n-grams) and its token ids (for loops; the words when nil).
    public func check(text: String, tokens: [TokenID]? = nil) -> RepetitionReport {
        let words = withBytes(text) { Self.wordHashes($0) }
        let fraction = duplicateFraction(words)
        let loop: (period: Int, coverage: Double)?
        if let tokens { loop = findLoop(tokens) } else { loop = findLoop(words) }
        let degenerate = tokens.map { t in t.withUnsafeBufferPointer { degeneracy($0) } } ?? withBytes(text) { degeneracy($0) }
        let repetitive = fraction > config.maxDuplicateFraction || loop != nil
            || degenerate.coverage >= config.minLoopCoverage || degenerate.fewDistinct
        return RepetitionReport(duplicateFraction: fraction, loopPeriod: loop?.period, loopCoverage: loop?.coverage ?? 0,
                                shortLoopCoverage: degenerate.coverage, fewDistinct: degenerate.fewDistinct,
                                isRepetitive: repetitive)
    }

    /// One hash per word (maximal run of non-space bytes), mixed. Branch-free per byte: the running hash
    /// (rotate-xor) is written at the current word slot on every byte and the slot advances only at a word's
    /// end, so unpredictable word lengths cost no mispredicted branches.
    static func wordHashes(_ b: UnsafeBufferPointer<UInt8>) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: b.count / 2 + 2)   // words ≤ (bytes + 1) / 2
        let count = words.withUnsafeMutableBufferPointer { out -> Int in
            var h: UInt64 = 0
            var k = 0
            var previousSpace: UInt64 = 1
            for c in b {
                let space: UInt64 = isSpace(c) ? 1 : 0
                out[k] = h                                  // complete when this byte ends the word
                k &+= Int(truncatingIfNeeded: space & (previousSpace ^ 1))
                h = (((h << 7) | (h >> 57)) ^ UInt64(c)) & (space &- 1)   // reset to 0 on a space
                previousSpace = space
            }
            if previousSpace == 0 { out[k] = h; k += 1 }
            for j in 0..<k { out[j] = (out[j] ^ (out[j] >> 31)) &* 0x94d0_49bb_1331_11eb }
            return k
        }
        words.removeLast(words.count - count)
        return words
    }

    /// 1 − unique/total over the word n-grams. An n-gram's key is a polynomial rolling hash of its word
    /// hashes (one multiply-add per word), mixed, in an open-addressing table of ≥ 2 slots per n-gram.
    func duplicateFraction(_ words: [UInt64]) -> Double {
        let n = max(1, config.ngram)
        guard words.count >= n else { return 0 }
        var capacity = 64
        while capacity < 2 * (words.count - n + 1) { capacity <<= 1 }
        var table = [UInt32](repeating: 0, count: capacity)   // 32-bit keys: collisions ~ count²/2³³, negligible
        let base: UInt64 = 0x9e37_79b9_7f4a_7c15
        var basePower: UInt64 = 1   // base^(n−1): the weight of the word leaving the window
        for _ in 1..<n { basePower = basePower &* base }
        var used = 0
        var rolling: UInt64 = 0
        table.withUnsafeMutableBufferPointer { slots in
            words.withUnsafeBufferPointer { w in
                for k in 0..<w.count {
                    if k >= n { rolling = rolling &- w[k - n] &* basePower }
                    rolling = rolling &* base &+ w[k]
                    guard k >= n - 1 else { continue }
                    var key = (rolling ^ (rolling >> 29)) &* 0xbf58_476d_1ce4_e5b9
                    key = (key ^ (key >> 32)) | 1   // 0 marks an empty slot
                    if Self.insert(UInt32(truncatingIfNeeded: key), into: slots) { used += 1 }
                }
            }
        }
        return 1 - Double(used) / Double(words.count - n + 1)
    }

    /// Inserts `key` (non-zero) into an open-addressing table that is never full; true when it was new.
    @inline(__always)
    static func insert(_ key: UInt32, into table: UnsafeMutableBufferPointer<UInt32>) -> Bool {
        let mask = table.count - 1
        var slot = Int(truncatingIfNeeded: key >> 3) & mask
        while true {
            if table[slot] == 0 { table[slot] = key; return true }
            if table[slot] == key { return false }
            slot = (slot + 1) & mask
        }
    }

    /// The first period whose loop covers enough of the window, with its coverage.
    func findLoop<T: Equatable>(_ all: [T]) -> (period: Int, coverage: Double)? {
        let n = min(all.count, config.window)
        guard n >= Self.minLoopWindow else { return nil }
        let base = all.count - n
        let need = Int((config.minLoopCoverage * Double(n)).rounded(.up))
        for p in 1...max(1, min(config.maxPeriod, n / 2)) {
            let run = max(need - p, p)   // at least two full periods
            var i = p + run - 1           // sample positions p+run−1, p+2run−1, …
            while i < n {
                guard all[base + i] == all[base + i - p] else { i += run; continue }
                var lo = i, hi = i
                while lo - 1 >= p, all[base + lo - 1] == all[base + lo - 1 - p] { lo -= 1 }
                while hi + 1 < n, all[base + hi + 1] == all[base + hi + 1 - p] { hi += 1 }
                if hi - lo + 1 >= run { return (p, Double(hi - lo + 1 + p) / Double(n)) }
                i = hi + run   // the next run starts after this one ends
            }
        }
        return nil
    }

    static let maxShortPeriod = 4

    /// Short-loop coverage and the few-distinct test over the last `window` tokens (or bytes). Per period p a
    /// run of L consecutive positions with t[i] = t[i−p] repeats its unit (L + p)/p times; runs with L ≥ 2p mark
    /// their L + p ≤ 1.5·L tokens covered. So the coverage is at most 1.5 × the number of such equal pairs,
    /// which one vectorised count per period gives: when that bound is below `min_loop_coverage` (ordinary
    /// text) the runs are not marked and the coverage is reported as 0. O(4·window).
    func degeneracy<T: FixedWidthInteger>(_ all: UnsafeBufferPointer<T>) -> (coverage: Double, fewDistinct: Bool) {
        let n = min(all.count, config.window)
        guard n >= Self.minLoopWindow else { return (0, false) }
        let t = UnsafeBufferPointer(rebasing: all[(all.count - n)...])
        var distinct: [T] = []
        for x in t where !distinct.contains(x) {
            distinct.append(x)
            if distinct.count > 3 { break }
        }
        let periods = 1...min(Self.maxShortPeriod, n - 1)
        var pairs = 0
        for p in periods {
            for i in p..<n {   // branch-free: 1 when the two are equal (d = 0), else 0
                let d = UInt64(T.Magnitude(truncatingIfNeeded: t[i] ^ t[i - p]))
                pairs &+= Int(truncatingIfNeeded: (d &- 1) >> 63)
            }
        }
        guard Double(pairs) * 1.5 >= config.minLoopCoverage * Double(n) else { return (0, distinct.count <= 3) }
        var covered = [Bool](repeating: false, count: n)
        for p in periods {
            var start = -1
            for i in p...n {
                if i < n, t[i] == t[i - p] {
                    if start < 0 { start = i }
                    continue
                }
                if start >= 0, i - start >= 2 * p {
                    for k in (start - p)..<i { covered[k] = true }
                }
                start = -1
            }
        }
        let count = covered.reduce(0) { $0 + ($1 ? 1 : 0) }
        return (Double(count) / Double(n), distinct.count <= 3)
    }
}
