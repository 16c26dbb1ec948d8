// The key/value cache of incremental decoding: for every layer, slot (sequence) and position, the rotated key
// and the value of each key/value head, in one arena. A slot's rows 0..<length are valid; writing position p
// of a slot makes rows 0...p visible to a query at p. The cache is reused across generate calls.
// Dimension legend: L layers, S slots, P capacity (positions per slot), KVD = KVH·HS.
// Memory: 2·L·S·P·KVD floats.

public final class KVCache {
    public let layers: Int       // L
    public let slots: Int        // S
    public let capacity: Int     // P
    public let rowSize: Int      // KVD
    let arena: Arena             // (L, 2, S, P, KVD): keys then values per layer

    public init(config: ModelConfig, slots: Int, capacity: Int) {
        layers = config.numHiddenLayers
        self.slots = slots
        self.capacity = capacity
        rowSize = config.keyValueDim
        arena = Arena(count: layers * 2 * slots * capacity * rowSize)
    }

    /// Keys (P, KVD) of `slot` in `layer`.
    @inline(__always) public func keys(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        arena[((layer * 2) * slots + slot) * capacity * rowSize]
    }

    /// Values (P, KVD) of `slot` in `layer`.
    @inline(__always) public func values(layer: Int, slot: Int) -> UnsafeMutablePointer<Float> {
        arena[((layer * 2 + 1) * slots + slot) * capacity * rowSize]
    }
}
