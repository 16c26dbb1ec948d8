// The byte-level BPE model stage: turns one pre-token (raw UTF-8 bytes) into vocabulary ids by applying ranked
// merges (Sennrich et al. 2016, https://arxiv.org/abs/1508.07909; byte-level variant of GPT-2).

import DispoSupport

/// Merge table keyed by the packed pair `(left id << 32 | right id)`; value `(rank << 32 | merged id)`.
/// Open addressing with a multiplicative hash: far cheaper than `Dictionary`'s SipHash in the merge loop.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [UInt64]
    private let mask: Int
    static let missing = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: .max, count: size)
        values = [UInt64](repeating: .max, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask }

    /// Adds a merge; an already present pair keeps its earlier (lower) rank.
    mutating func insert(left: TokenID, right: TokenID, rank: Int, merged: TokenID) {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var i = slot(key)
        while keys[i] != .max {
            if keys[i] == key { return }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    @inline(__always)
    func lookup(_ left: TokenID, _ right: TokenID) -> UInt64 {
        let key = UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == .max { return Self.missing }
            i = (i + 1) & mask
        }
    }
}

/// Byte-level BPE over one word.
///
/// Each byte starts as its own symbol (the id of its GPT-2 byte character). Then, repeatedly, the adjacent pair
/// with the lowest merge rank is replaced by its merged token; **ties (the same pair occurring several times)
/// go to the leftmost occurrence**, as in Hugging Face tokenizers. Words up to `heapThreshold` symbols use a
/// flat array and cost O(n²) for n bytes (fastest for the short pre-tokens that dominate text); longer words use
/// a linked list plus a binary heap of candidate pairs with lazy deletion, O(n log n). Both produce the same ids.
/// Bytes whose character is missing from the vocabulary are dropped (there is no unknown token).
struct BPEModel: Sendable {
    let byteToID: [TokenID]  // 256 entries, -1 when missing
    let merges: PairTable
    /// `ignore_merges`: a word that is itself a vocabulary token is emitted whole (Llama-3 sets this).
    let ignoreMerges: Bool
    let vocabulary: [String: TokenID]
    static let heapThreshold = 48

    /// Appends the ids of `bytes[start..<end]` to `out`, through `state`'s word cache.
    @inline(__always)
    func encodeWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, state: EncodeState,
                    into out: inout [TokenID]) {
        let count = end - start
        guard count > 0, let base = bytes.baseAddress else { return }
        let p = base + start
        if count == 1 {
            let id = byteToID[Int(p[0])]
            if id >= 0 && !ignoreMerges { out.append(id); return }
        }
        if count > WordCache.maxWordBytes {
            merge(p, count, state: state)
            out.append(contentsOf: state.symbols)
            return
        }
        let hash = WordCache.hash(p, count)
        let cache = state.cache
        if let hit = cache.lookup(p, count, hash: hash) {
            cache.ids.withUnsafeBufferPointer { out.append(contentsOf: $0[hit]) }
            return
        }
        merge(p, count, state: state)
        state.symbols.withUnsafeBufferPointer { cache.insert(p, count, hash: hash, ids: $0) }
        out.append(contentsOf: state.symbols)
    }

    /// Runs the merges over `count` bytes at `p`, leaving the ids in `state.symbols`.
    func merge(_ p: UnsafePointer<UInt8>, _ count: Int, state: EncodeState) {
        state.symbols.removeAll(keepingCapacity: true)
        if ignoreMerges, let id = vocabulary[ByteLevel.encode(UnsafeBufferPointer(start: p, count: count))] {
            state.symbols.append(id)
            return
        }
        for i in 0..<count {
            let id = byteToID[Int(p[i])]
            if id >= 0 { state.symbols.append(id) }
        }
        if state.symbols.count <= Self.heapThreshold { mergeFlat(state) } else { mergeHeap(state) }
    }

    private func mergeFlat(_ state: EncodeState) {
        var n = state.symbols.count
        if n < 2 { return }
        var pairs = state.pairs
        state.pairs = []
        defer { state.pairs = pairs }
        pairs.removeAll(keepingCapacity: true)
        state.symbols.withUnsafeMutableBufferPointer { sym in
            for i in 0..<(n - 1) { pairs.append(merges.lookup(sym[i], sym[i + 1])) }
            pairs.withUnsafeMutableBufferPointer { pair in
                while n > 1 {
                    var best = 0
                    var bestValue = pair[0]
                    for i in 1..<(n - 1) where pair[i] < bestValue {  // strict <: leftmost wins ties
                        best = i
                        bestValue = pair[i]
                    }
                    if bestValue == PairTable.missing { break }
                    sym[best] = TokenID(truncatingIfNeeded: bestValue & 0xFFFF_FFFF)
                    // Remove symbol best+1 and pair best.
                    var i = best + 1
                    while i < n - 1 { sym[i] = sym[i + 1]; i += 1 }
                    i = best
                    while i < n - 2 { pair[i] = pair[i + 1]; i += 1 }
                    n -= 1
                    if best > 0 { pair[best - 1] = merges.lookup(sym[best - 1], sym[best]) }
                    if best < n - 1 { pair[best] = merges.lookup(sym[best], sym[best + 1]) }
                }
            }
        }
        state.symbols.removeLast(state.symbols.count - n)
    }

    private func mergeHeap(_ state: EncodeState) {
        let n = state.symbols.count
        var sym = state.symbols
        var next = Array(1...n)  // n = end
        var previous = Array(-1..<(n - 1))
        var alive = [Bool](repeating: true, count: n)
        var heap = MinHeap()
        for i in 0..<(n - 1) {
            let v = merges.lookup(sym[i], sym[i + 1])
            if v != PairTable.missing { heap.push(rank: v >> 32, position: i, right: sym[i + 1], merged: v) }
        }
        while let top = heap.pop() {
            let i = top.position
            let j = next[i]
            // Stale entry: the left symbol was merged away, or either side changed since it was queued.
            guard alive[i], j < n, merges.lookup(sym[i], sym[j]) == top.merged, sym[j] == top.right else { continue }
            sym[i] = TokenID(truncatingIfNeeded: top.merged & 0xFFFF_FFFF)
            alive[j] = false
            next[i] = next[j]
            if next[j] < n { previous[next[j]] = i }
            let p = previous[i]
            if p >= 0 {
                let v = merges.lookup(sym[p], sym[i])
                if v != PairTable.missing { heap.push(rank: v >> 32, position: p, right: sym[i], merged: v) }
            }
            if next[i] < n {
                let v = merges.lookup(sym[i], sym[next[i]])
                if v != PairTable.missing { heap.push(rank: v >> 32, position: i, right: sym[next[i]], merged: v) }
            }
        }
        state.symbols.removeAll(keepingCapacity: true)
        var i = 0
        while i < n { state.symbols.append(sym[i]); i = next[i] }
    }
}

/// Binary min-heap of candidate merges ordered by (rank, position): lowest rank first, then leftmost.
private struct MinHeap {
    struct Entry {
        var rank: UInt64
        var position: Int
        var right: TokenID
        var merged: UInt64
        func less(_ o: Entry) -> Bool { rank != o.rank ? rank < o.rank : position < o.position }
    }
    private var items: [Entry] = []

    mutating func push(rank: UInt64, position: Int, right: TokenID, merged: UInt64) {
        items.append(Entry(rank: rank, position: position, right: right, merged: merged))
        var c = items.count - 1
        while c > 0 {
            let parent = (c - 1) / 2
            if !items[c].less(items[parent]) { break }
            items.swapAt(c, parent)
            c = parent
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var c = 0
            while true {
                let l = 2 * c + 1, r = l + 1
                var m = c
                if l < items.count && items[l].less(items[m]) { m = l }
                if r < items.count && items[r].less(items[m]) { m = r }
                if m == c { break }
                items.swapAt(c, m)
                c = m
            }
        }
        return top
    }
}
