// A least-recently-used cache of decoded blocks with a byte budget, shared by all tasks reading a
// shard set. The state is a plain struct (a dictionary plus a doubly linked recency list threaded
// through it by key) behind one Mutex; every operation is O(1). Two tasks missing the same block at
// once may both decode it; the second insert simply replaces the first (same bytes).

import Synchronization

final class BlockCache: Sendable {
    private let state: Mutex<LRUState>

    init(budget: Int) { state = Mutex(LRUState(budget: budget)) }

    func get(_ key: Int) -> DecodedBlock? { state.withLock { $0.get(key) } }
    func put(_ key: Int, _ block: DecodedBlock) { state.withLock { $0.put(key, block) } }
    var bytes: Int { state.withLock { $0.bytes } }
    var count: Int { state.withLock { $0.entries.count } }
}

struct LRUState {
    struct Entry {
        var block: DecodedBlock
        var newer: Int?
        var older: Int?
    }

    let budget: Int
    private(set) var entries: [Int: Entry] = [:]
    private(set) var bytes = 0
    private var newest: Int?
    private var oldest: Int?

    init(budget: Int) { self.budget = budget }

    mutating func get(_ key: Int) -> DecodedBlock? {
        guard let entry = entries[key] else { return nil }
        unlink(key)
        link(key, entry.block)
        return entry.block
    }

    mutating func put(_ key: Int, _ block: DecodedBlock) {
        let size = block.storage.count
        if entries[key] != nil { unlink(key) }
        guard size <= budget else { return }
        while bytes + size > budget, let victim = oldest { unlink(victim) }
        link(key, block)
    }

    /// Inserts `key` as the newest entry.
    private mutating func link(_ key: Int, _ block: DecodedBlock) {
        entries[key] = Entry(block: block, newer: nil, older: newest)
        if let newest { entries[newest]?.newer = key }
        newest = key
        if oldest == nil { oldest = key }
        bytes += block.storage.count
    }

    /// Removes `key` from the list and the dictionary.
    private mutating func unlink(_ key: Int) {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if let newer = entry.newer { entries[newer]?.older = entry.older } else { newest = entry.older }
        if let older = entry.older { entries[older]?.newer = entry.newer } else { oldest = entry.newer }
        bytes -= entry.block.storage.count
    }
}
