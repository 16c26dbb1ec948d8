// The safetensors format (huggingface/safetensors): u64 little-endian header size n, n bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}, then the data section, offsets
// relative to its start. Reading maps the file and validates the whole header up front (JSON, dtypes, shapes,
// offsets inside the data, byte counts, no overlaps); each problem is an InputError naming file and tensor.
// F32, BF16 and F16 read as fp32 (NaN or ±inf weights are an error naming the tensor); F32 or BF16 (round to nearest even) written, header padded to 8 bytes.

import DispoSupport
import Foundation

public enum TensorDType: String, Sendable, CaseIterable {
    case f32 = "F32", bf16 = "BF16", f16 = "F16"
    public var size: Int { self == .f32 ? 4 : 2 }
}

public struct SafetensorsEntry: Sendable {
    public var name: String
    public var dtype: String          // as written; may be a type dispo does not read
    public var shape: [Int]
    public var begin: Int, end: Int   // byte range within the data section
}

/// A validated, memory-mapped safetensors file.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let entries: [String: SafetensorsEntry]
    public let metadata: [String: String]
    private let file: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        try MemoryBudget.requireRegularFile(path, what: "a safetensors file")
        file = try MappedFile(path: path)
        let bytes = file.bytes
        guard bytes.count >= 8 else {
            throw InputError(file: path, expected: "at least 8 bytes (safetensors header size)", found: "\(bytes.count) bytes")
        }
        let n = Int(clamping: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)))
        guard n >= 2, n <= bytes.count - 8, n <= 100_000_000 else {
            throw InputError(file: path, place: "byte 0", expected: "a header size within the file (≤ \(bytes.count - 8))",
                             found: "\(n)", hint: "not a safetensors file, or truncated")
        }
        dataStart = 8 + n
        guard let text = String(validating: bytes[8..<(8 + n)], as: UTF8.self) else {
            throw InputError(file: path, place: "header", expected: "UTF-8 JSON", found: "invalid UTF-8 bytes")
        }
        let root: JSONNodeValue
        do { root = try JSONParser.parse(text, file: path) } catch let error as InputError {
            throw InputError(file: path, place: "JSON header" + (error.place.map { " " + $0 } ?? ""), expected: error.expected,
                             found: error.found, hint: "not a safetensors file, or corrupted")
        }
        guard case .object(let members) = root.value else {
            throw InputError(file: path, place: "header", expected: "a JSON object", found: root.value.kindDescription)
        }
        var entries: [String: SafetensorsEntry] = [:]
        var meta: [String: String] = [:]
        let dataSize = bytes.count - dataStart
        for (name, node) in members {
            if name == "__metadata__" {
                if case .object(let items) = node.value {
                    for (key, value) in items { if case .string(let v) = value.value { meta[key] = v } }
                }
                continue
            }
            let entry = try Self.entry(name, node, dataSize: dataSize, path: path)
            entries[name] = entry
        }
        let sorted = entries.values.sorted { $0.begin < $1.begin }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.begin < a.end {
            throw InputError(file: path, place: "tensor \(b.name)", expected: "data not overlapping \(a.name)",
                             found: "[\(b.begin), \(b.end)] overlaps [\(a.begin), \(a.end)]")
        }
        self.entries = entries
        metadata = meta
    }

    /// One tensor's header entry, checked: known keys, whole non-negative numbers, a shape whose byte size
    /// (computed with overflow checks) equals its data range, and a range inside the data section.
    static func entry(_ name: String, _ node: JSONNodeValue, dataSize: Int, path: String) throws -> SafetensorsEntry {
        let place = "tensor \(name)"
        func bad(_ found: String) -> InputError {
            InputError(file: path, place: place, expected: "{dtype, shape: [whole numbers ≥ 0], data_offsets: [begin, end]}", found: found)
        }
        func integers(_ value: JSONValue?) throws -> [Int] {
            guard case .array(let items)? = value else { throw bad(value?.kindDescription ?? "a missing key") }
            return try items.map { item in
                guard case .number(_, let digits) = item.value, let i = Int(digits), i >= 0 else {
                    throw bad("\(item.value.kindDescription) (not a whole number in 0...\(Int.max))")
                }
                return i
            }
        }
        guard case .object(let fields) = node.value else { throw bad(node.value.kindDescription) }
        func field(_ key: String) -> JSONValue? { fields.first { $0.key == key }?.value.value }
        guard case .string(let dtype)? = field("dtype") else { throw bad("no dtype string") }
        let shape = try integers(field("shape")), offsets = try integers(field("data_offsets"))
        guard offsets.count == 2 else { throw bad("\(offsets.count) data_offsets") }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end, end <= dataSize else {
            throw InputError(file: path, place: place, expected: "data_offsets inside the data section (0...\(dataSize))",
                             found: "[\(begin), \(end)]", hint: "file truncated?")
        }
        if let known = TensorDType(rawValue: dtype) {
            guard let bytes = MemoryBudget.product(shape + [known.size]) else {
                throw InputError(file: path, place: place, expected: "a shape whose size fits in 64 bits", found: "\(shape)")
            }
            guard bytes == end - begin else {
                throw InputError(file: path, place: place, expected: "\(bytes) bytes for \(dtype) \(shape)", found: "\(end - begin) bytes")
            }
        }
        return SafetensorsEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// Converts tensor `name` to fp32 into `out` after checking its dtype and that its shape is `shape`.
    public func read(_ name: String, shape: [Int], into out: UnsafeMutablePointer<Float>) throws {
        guard let e = entries[name] else {
            throw InputError(file: path, place: "tensor \(name)", expected: "tensor present", found: "missing")
        }
        guard e.shape == shape else {
            throw InputError(file: path, place: "tensor \(name)", expected: "shape \(shape)", found: "\(e.shape)",
                             hint: "the weights do not match config.json")
        }
        guard let dtype = TensorDType(rawValue: e.dtype) else {
            throw InputError(file: path, place: "tensor \(name)", expected: "dtype F32, BF16 or F16", found: e.dtype)
        }
        let count = shape.reduce(1, *)
        Self.convert(file.bytes.baseAddress! + dataStart + e.begin, dtype, count, into: out)
        if let bad = FastMath.firstNonFinite(out, count) {
            var index: [Int] = [], rest = bad
            for d in shape.reversed() { index.insert(rest % max(1, d), at: 0); rest /= max(1, d) }
            throw InputError(file: path, place: "tensor \(name)", expected: "finite weights",
                             found: "\(out[bad]) at index \(index)", hint: "the model file is corrupted or the training diverged")
        }
    }

    /// The conversion of `read`, kept out of the throwing function on purpose: Swift 6.3's LLVM may end a
    /// throwing function's success path with a tail call to memcpy without restoring the error register
    /// (swiftlang/swift#90477), which the caller then sees as a thrown garbage error. A plain call to a
    /// non-throwing function is never turned into such a tail call.
    @inline(never)
    static func convert(_ src: UnsafeRawPointer, _ dtype: TensorDType, _ count: Int, into out: UnsafeMutablePointer<Float>) {
        switch dtype {
        case .f32:
            memcpy(out, src, count * 4)
        case .bf16:
            for i in 0..<count {
                let h = src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: h)) << 16)
            }
        case .f16:
            for i in 0..<count {
                out[i] = HalfFloat.toFloat(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
        }
    }
}

public enum Safetensors {
    /// One member of the JSON header: the free-form `__metadata__` strings, or a tensor's dtype, shape and byte range.
    enum HeaderEntry: Encodable {
        case metadata([String: String])
        case tensor(dtype: String, shape: [Int], dataOffsets: [Int])

        private enum Keys: String, CodingKey { case dtype, shape, dataOffsets = "data_offsets" }

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .metadata(let strings):
                var c = encoder.singleValueContainer()
                try c.encode(strings)
            case .tensor(let dtype, let shape, let dataOffsets):
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(dtype, forKey: .dtype)
                try c.encode(shape, forKey: .shape)
                try c.encode(dataOffsets, forKey: .dataOffsets)
            }
        }
    }

    /// One tensor to write: HF name, shape, and fp32 data of shape.product floats.
    public struct Tensor {
        public var name: String
        public var shape: [Int]
        public var data: UnsafePointer<Float>
        public init(name: String, shape: [Int], data: UnsafePointer<Float>) {
            self.name = name; self.shape = shape; self.data = data
        }
    }

    /// Writes `tensors` in the given order, atomically. dtype must be F32 or BF16.
    public static func write(_ tensors: [Tensor], dtype: TensorDType, to path: String,
                             metadata: [String: String] = ["format": "pt"]) throws {
        precondition(dtype != .f16, "dispo writes F32 or BF16 safetensors")
        var header: [String: HeaderEntry] = ["__metadata__": .metadata(metadata)]
        var offset = 0
        for t in tensors {
            let bytes = t.shape.reduce(1, *) * dtype.size
            header[t.name] = .tensor(dtype: dtype.rawValue, shape: t.shape, dataOffsets: [offset, offset + bytes])
            offset += bytes
        }
        var json = try JSONWriter.data(header)
        while json.count % 8 != 0 { json.append(0x20) }
        let out = try AtomicFile(path: path)
        var size = UInt64(json.count).littleEndian
        try withUnsafeBytes(of: &size) { try out.write($0) }
        try json.withUnsafeBytes { try out.write($0) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        for t in tensors {
            let count = t.shape.reduce(1, *)
            if dtype == .f32 {
                try out.write(UnsafeRawBufferPointer(start: t.data, count: count * 4))
                continue
            }
            var i = 0
            while i < count {
                let n = min(count - i, chunk.count / 2)
                chunk.withUnsafeMutableBytes { raw in
                    for k in 0..<n { raw.storeBytes(of: HalfFloat.bf16(t.data[i + k]).littleEndian, toByteOffset: 2 * k, as: UInt16.self) }
                }
                try chunk.withUnsafeBytes { try out.write(UnsafeRawBufferPointer(rebasing: $0[0..<(2 * n)])) }
                i += n
            }
        }
        try out.commit()
    }
}

/// Bit-level conversions of 16-bit floats (IEEE binary16 and bfloat16), portable to every platform.
public enum HalfFloat {
    public static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F), mant = UInt32(h & 0x3FF)
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }   // inf / nan
        if exp == 0 {                                                                      // zero / subnormal
            let v = Float(mant) * 0x1p-24
            return sign != 0 ? -v : v
        }
        return Float(bitPattern: sign | UInt32(exp + 112) << 23 | (mant << 13))
    }

    /// fp32 → bfloat16, round to nearest even; NaN stays NaN.
    public static func bf16(_ f: Float) -> UInt16 {
        if f.isNaN { return 0x7FC0 }
        let bits = f.bitPattern
        return UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
    }
}
