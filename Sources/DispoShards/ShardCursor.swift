// Deterministic, resumable shuffled iteration over a shard set. A cursor is just (seed, epoch,
// position); the record it points at is permutation(seed, epoch)(position), computed on the fly in
// O(1) memory, so saving the cursor in a checkpoint and restoring it in a new process continues with
// exactly the same records.
//
// The permutation is a keyed Feistel network on b-bit integers (b even, 2^b ≥ N, so 2^b < 4N), with
// six rounds whose keys come from a SplitMix64 stream seeded by (seed, epoch); indices ≥ N are mapped again ("cycle
// walking") until they land in [0, N). A Feistel network is a bijection on [0, 2^b) for any round
// function, and cycle walking restricts a bijection to a bijection on [0, N), so every epoch visits
// each record exactly once; a new epoch gives new keys and hence a different order. Expected
// walking steps per index < 4.

import DispoSupport

public struct ShardCursor: Codable, Sendable, Equatable {
    public var seed: UInt64
    public var epoch: Int
    /// Records already drawn in this epoch.
    public var position: Int

    public init(seed: UInt64, epoch: Int = 0, position: Int = 0) {
        self.seed = seed
        self.epoch = epoch
        self.position = position
    }
}

/// A pseudo-random permutation of 0..<count chosen by (seed, epoch).
public struct ShardPermutation: Sendable {
    public let count: Int
    private let halfBits: Int
    private let mask: UInt64
    private let keys: SIMD8<UInt64>  // rounds 0..<6 used; inline storage, no allocation per draw
    static let rounds = 6

    public init(count: Int, seed: UInt64, epoch: Int) {
        precondition(count >= 0, "ShardPermutation needs a non-negative count")
        self.count = count
        var bits = 2
        while bits < 62, (1 << bits) < count { bits += 2 }
        halfBits = bits / 2
        mask = (1 << UInt64(halfBits)) - 1
        // SplitMix64 stream seeded by (seed, epoch): key r = mix(state + (r + 1)·γ).
        let state = seed ^ SplitMix64.mix(UInt64(bitPattern: Int64(epoch)) &+ 0xD15F_05E0)
        var keys = SIMD8<UInt64>()
        for r in 0..<Self.rounds { keys[r] = SplitMix64.mix(state &+ UInt64(r + 1) &* 0x9E37_79B9_7F4A_7C15) }
        self.keys = keys
    }

    /// The record index at `position` (0 ≤ position < count).
    public func index(at position: Int) -> Int {
        precondition(position >= 0 && position < count, "permutation position \(position) outside 0..<\(count)")
        var x = UInt64(position)
        repeat { x = encrypt(x) } while x >= UInt64(count)
        return Int(x)
    }

    private func encrypt(_ x: UInt64) -> UInt64 {
        var left = x >> UInt64(halfBits), right = x & mask
        for r in 0..<Self.rounds {
            let next = left ^ (SplitMix64.mix(right ^ keys[r]) & mask)
            left = right
            right = next
        }
        return left << UInt64(halfBits) | right
    }
}

extension ShardSet {
    /// The record index `cursor` points at, then advances it (rolling over to the next epoch at the end).
    /// Throws on an empty set or a cursor that does not fit it.
    public func nextIndex(_ cursor: inout ShardCursor) throws -> Int {
        guard count > 0 else {
            throw InputError(file: directory, expected: "a shard set with records to draw from", found: "0 records")
        }
        guard cursor.position >= 0, cursor.position <= count, cursor.epoch >= 0 else {
            throw InputError(file: directory, place: "cursor", expected: "epoch ≥ 0 and position in 0...\(count)",
                             found: "epoch \(cursor.epoch), position \(cursor.position)",
                             hint: "the cursor was saved for a different shard set")
        }
        if cursor.position == count {
            cursor.epoch += 1
            cursor.position = 0
        }
        let index = ShardPermutation(count: count, seed: cursor.seed, epoch: cursor.epoch).index(at: cursor.position)
        cursor.position += 1
        return index
    }

    /// The record `cursor` points at, with its index; advances the cursor.
    public func next(_ cursor: inout ShardCursor) throws -> (index: Int, record: TokenRecord) {
        var moved = cursor
        let index = try nextIndex(&moved)
        let record = try record(at: index)
        cursor = moved
        return (index, record)
    }

    /// The next `n` (index, record) pairs; the cursor advances only if all of them were read.
    public func next(_ n: Int, _ cursor: inout ShardCursor) throws -> [(index: Int, record: TokenRecord)] {
        var moved = cursor
        var out: [(index: Int, record: TokenRecord)] = []
        for _ in 0..<max(0, n) { out.append(try next(&moved)) }
        cursor = moved
        return out
    }
}
