// A bounded cache from a pre-token's bytes to its BPE ids, so each distinct word is merged once. Open
// addressing over a fixed slot table; keys and ids live in two growing arenas, so a hit costs one hash and one
// byte comparison and a miss stores without allocating per entry. When the cache is full it is cleared whole.
// Not thread-safe: each encoding call borrows one from the tokenizer's pool.

import DispoSupport

final class WordCache {
    private struct Slot {
        var hash: UInt64 = 0  // 0 = empty
        var keyStart: Int32 = 0
        var keyCount: Int32 = 0
        var idStart: Int32 = 0
        var idCount: Int32 = 0
    }

    /// Words longer than this are not cached (rare, and they would crowd the arenas).
    static let maxWordBytes = 64
    private static let slotCount = 1 << 15
    private static let maxEntries = slotCount / 2
    private var slots = [Slot](repeating: Slot(), count: WordCache.slotCount)
    private var keys: [UInt8] = []
    private(set) var ids: [TokenID] = []
    private var entries = 0

    init() {
        keys.reserveCapacity(1 << 18)
        ids.reserveCapacity(1 << 17)
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(p[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h | 1
    }

    /// The cached ids of the word, as a range of `ids`.
    @inline(__always)
    func lookup(_ p: UnsafePointer<UInt8>, _ count: Int, hash: UInt64) -> Range<Int>? {
        let mask = Self.slotCount - 1
        var index = Int(truncatingIfNeeded: hash >> 17) & mask
        while true {
            let slot = slots[index]
            if slot.hash == 0 { return nil }
            if slot.hash == hash && Int(slot.keyCount) == count {
                let same = keys.withUnsafeBufferPointer { k in
                    k.baseAddress.map { memcmpBytes($0 + Int(slot.keyStart), p, count) } ?? false
                }
                if same { return Int(slot.idStart)..<Int(slot.idStart + slot.idCount) }
            }
            index = (index + 1) & mask
        }
    }

    func insert(_ p: UnsafePointer<UInt8>, _ count: Int, hash: UInt64, ids newIDs: UnsafeBufferPointer<TokenID>) {
        if entries >= Self.maxEntries || ids.count + newIDs.count > Int(Int32.max / 2) { clear() }
        let mask = Self.slotCount - 1
        var index = Int(truncatingIfNeeded: hash >> 17) & mask
        while slots[index].hash != 0 { index = (index + 1) & mask }
        slots[index] = Slot(hash: hash, keyStart: Int32(keys.count), keyCount: Int32(count),
                            idStart: Int32(ids.count), idCount: Int32(newIDs.count))
        keys.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
        ids.append(contentsOf: newIDs)
        entries += 1
    }

    func clear() {
        for i in slots.indices { slots[i].hash = 0 }
        keys.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        entries = 0
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
