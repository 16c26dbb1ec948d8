// XXH64 over pieces fed one after another: the same value as the one-shot `XXH64.hash` of their concatenation,
// without holding the concatenation (e.g. a checksum over a header and multi-GB arenas written in place).

extension XXH64 {
    public struct Stream {
        private let seed: UInt64
        private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
        private var total = 0
        /// Bytes not yet consumed as a whole 32-byte stripe (fewer than 32).
        private var pending: [UInt8] = []

        public init(seed: UInt64 = 0) {
            self.seed = seed
            v1 = seed &+ XXH64.p1 &+ XXH64.p2
            v2 = seed &+ XXH64.p2
            v3 = seed
            v4 = seed &- XXH64.p1
        }

        private mutating func stripe(_ p: UnsafeRawPointer) {
            v1 = XXH64.round(v1, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
            v2 = XXH64.round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            v3 = XXH64.round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            v4 = XXH64.round(v4, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            total += bytes.count
            var offset = 0
            if !pending.isEmpty {
                let take = min(32 - pending.count, bytes.count)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
                offset = take
                guard pending.count == 32 else { return }
                let full = pending
                full.withUnsafeBytes { stripe($0.baseAddress!) }
                pending.removeAll(keepingCapacity: true)
            }
            while offset + 32 <= bytes.count {
                stripe(base + offset)
                offset += 32
            }
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }

        public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

        /// The hash of everything fed so far.
        public func digest() -> UInt64 {
            var h: UInt64
            if total >= 32 {
                h = XXH64.rotl(v1, 1) &+ XXH64.rotl(v2, 7) &+ XXH64.rotl(v3, 12) &+ XXH64.rotl(v4, 18)
                h = XXH64.merge(h, v1); h = XXH64.merge(h, v2); h = XXH64.merge(h, v3); h = XXH64.merge(h, v4)
            } else {
                h = seed &+ XXH64.p5
            }
            return pending.withUnsafeBytes { XXH64.finish(h, length: total, tail: $0) }
        }
    }
}
