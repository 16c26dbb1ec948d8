// DecodeWeights as one file, for checkpoints of a sampler that samples from packed (e.g. bf16) weights: a run
// resumed from it samples with exactly the same weights. Little-endian: magic "DSPDECW1", u32 version 1,
// u32 precision (0 f32, 1 bf16), u64 XXH64 fingerprint of the config's shape, u64 vector floats, u64 matrix
// floats, the vectors, the matrices (as stored: packed panels, bf16 pairs in 4-byte units), then a u64
// checksum: XXH64 of the header followed by the XXH64s of the vectors and of the matrices (little-endian).

import DispoSupport
import Foundation

extension DecodeWeights {
    static let fileMagic: [UInt8] = Array("DSPDECW1".utf8)
    static let fileHeader = 8 + 4 + 4 + 8 + 8 + 8

    /// XXH64 of the sizes that fix the storage layout.
    var shapeFingerprint: UInt64 {
        let c = config
        let text = "\(c.modelType) V\(c.vocabSize) C\(c.hiddenSize) F\(c.intermediateSize) L\(c.numHiddenLayers) NH\(c.numAttentionHeads) "
            + "KVH\(c.numKeyValueHeads) HS\(c.headDim) tied\(c.tieWordEmbeddings) bias\(c.qkvBias)\(c.outputBias) qk\(c.qkNorm)"
        return XXH64.hash(Array(text.utf8))
    }

    /// Writes the weights to `path` atomically.
    public func save(path: String) throws {
        var header = DecodeWeights.fileMagic
        func put(_ x: UInt64, _ bytes: Int) { for k in 0..<bytes { header.append(UInt8((x >> (8 * UInt64(k))) & 0xFF)) } }
        put(1, 4); put(precision == .f32 ? 0 : 1, 4); put(shapeFingerprint, 8)
        put(UInt64(vectors.count), 8); put(UInt64(matrices.count), 8)
        let vectorBytes = UnsafeRawBufferPointer(start: vectors.base, count: 4 * vectors.count)
        let matrixBytes = UnsafeRawBufferPointer(start: matrices.base, count: 4 * matrices.count)
        let checksum = DecodeWeights.checksum(header: header, vectors: vectorBytes, matrices: matrixBytes)
        let out = try AtomicFile(path: path)
        try header.withUnsafeBytes { try out.write($0) }
        try out.write(vectorBytes)
        try out.write(matrixBytes)
        var digest = checksum.littleEndian
        try withUnsafeBytes(of: &digest) { try out.write($0) }
        try out.commit()
    }

    /// Reads weights saved by `save` for a model of `config` at `precision`.
    public static func load(path: String, config: ModelConfig, precision: Precision) throws -> DecodeWeights {
        try MemoryBudget.requireRegularFile(path, what: "a decode-weights file")
        let weights = DecodeWeights(config: config, precision: precision)
        let file = try MappedFile(path: path)
        let b = file.bytes, H = fileHeader
        func u64(_ at: Int) -> UInt64 { b.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian }
        func u32(_ at: Int) -> UInt32 { b.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian }
        guard b.count >= H + 8, Array(b[0..<8]) == fileMagic else {
            throw InputError(file: path, place: "byte 0", expected: "magic DSPDECW1", hint: "not a decode-weights file")
        }
        guard u32(8) == 1 else { throw InputError(file: path, place: "byte 8", expected: "version 1", found: "\(u32(8))") }
        guard u32(12) == (precision == .f32 ? 0 : 1), u64(16) == weights.shapeFingerprint,
              u64(24) == UInt64(weights.vectors.count), u64(32) == UInt64(weights.matrices.count) else {
            throw InputError(file: path, place: "byte 12", expected: "\(precision.rawValue) decode weights of this model",
                             found: "another precision or shape", hint: "saved for a different model or precision")
        }
        let body = H + 4 * weights.vectors.count + 4 * weights.matrices.count
        guard b.count == body + 8 else { throw InputError(file: path, expected: "\(body + 8) bytes", found: "\(b.count) bytes") }
        let vectorBytes = UnsafeRawBufferPointer(rebasing: b[H..<(H + 4 * weights.vectors.count)])
        let matrixBytes = UnsafeRawBufferPointer(rebasing: b[(H + 4 * weights.vectors.count)..<body])
        guard checksum(header: Array(b[0..<H]), vectors: vectorBytes, matrices: matrixBytes) == u64(body) else {
            throw InputError(file: path, place: "byte \(body)", expected: "matching XXH64 checksum", found: "a mismatch",
                             hint: "file corrupted")
        }
        copyBytes(from: b.baseAddress! + H, into: weights)
        return weights
    }

    static func checksum(header: [UInt8], vectors: UnsafeRawBufferPointer, matrices: UnsafeRawBufferPointer) -> UInt64 {
        var bytes = header
        for part in [vectors, matrices] {
            let h = XXH64.hash(part)
            for k in 0..<8 { bytes.append(UInt8((h >> (8 * UInt64(k))) & 0xFF)) }
        }
        return XXH64.hash(bytes)
    }

    /// The copy of `load`, outside the throwing function (a throwing function must not end in memcpy,
    /// swiftlang/swift#90477).
    @inline(never)
    static func copyBytes(from source: UnsafeRawPointer, into weights: DecodeWeights) {
        memcpy(weights.vectors.base, source, 4 * weights.vectors.count)
        memcpy(weights.matrices.base, source + 4 * weights.vectors.count, 4 * weights.matrices.count)
    }
}
