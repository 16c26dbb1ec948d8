// The byte layout of values sent through `allGather`/`broadcast`: little-endian fixed-width integers and
// IEEE-754 bit patterns, strings as a length and UTF-8. Both ends are dispo processes of the same build, but a
// reader still checks every length against the bytes left and throws on a short or malformed message.

public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u64(_ value: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    public mutating func int(_ value: Int) { u64(UInt64(bitPattern: Int64(value))) }

    public mutating func double(_ value: Double) { u64(value.bitPattern) }

    public mutating func doubles(_ values: [Double]) {
        int(values.count)
        for v in values { double(v) }
    }

    public mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        int(utf8.count)
        bytes += utf8
    }
}

public struct WireReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    /// What is being read, for errors ("all-gather 'learner.metrics' from rank 1").
    private let what: String

    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    public mutating func u64() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw malformed("8 bytes at offset \(offset), \(bytes.count - offset) left") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return value
    }

    public mutating func int() throws -> Int { Int(Int64(bitPattern: try u64())) }

    public mutating func double() throws -> Double { Double(bitPattern: try u64()) }

    /// A non-negative count of items of `itemBytes` bytes each that fit in what is left.
    public mutating func count(itemBytes: Int) throws -> Int {
        let n = try int()
        guard n >= 0, n <= (bytes.count - offset) / max(itemBytes, 1) else {
            throw malformed("a count of at most \((bytes.count - offset) / max(itemBytes, 1)) at offset \(offset - 8), found \(n)")
        }
        return n
    }

    public mutating func doubles() throws -> [Double] {
        let n = try count(itemBytes: 8)
        return try (0..<n).map { _ in try double() }
    }

    public mutating func string() throws -> String {
        let n = try count(itemBytes: 1)
        let slice = bytes[offset..<(offset + n)]
        offset += n
        guard let text = String(validating: slice, as: UTF8.self) else { throw malformed("UTF-8 text at offset \(offset - n)") }
        return text
    }

    /// Checks that everything was read.
    public func end() throws {
        guard offset == bytes.count else { throw malformed("the end of the message at offset \(offset), \(bytes.count - offset) bytes left") }
    }

    private func malformed(_ expected: String) -> CommunicatorError {
        CommunicatorError("\(what): malformed message: expected \(expected)")
    }
}
