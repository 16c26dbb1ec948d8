// TensorBoard event files, written without TensorFlow or protobuf libraries: the TFRecord framing and the
// few protobuf fields a scalar event needs (tensorflow/core/util/event.proto, summary.proto).
//
// A file is a sequence of records:
//     uint64 length (little-endian) · uint32 masked CRC-32C of those 8 bytes · data · uint32 masked CRC-32C of data
// Each record's data is an Event message:
//     Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//     Summary { repeated Value value = 1; }
//     Value   { string tag = 1; float simple_value = 2; }
// The first event of a file carries file_version "brain.Event:2". TensorBoard's scalar dashboard reads
// simple_value as a scalar; a file's name must contain "tfevents".

import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum TensorBoardEvent {
    /// The first event of every file.
    public static func fileVersion(wallTime: Double) -> [UInt8] {
        var event: [UInt8] = []
        event.appendDouble(field: 1, wallTime)
        event.appendBytes(field: 3, Array("brain.Event:2".utf8))
        return event
    }

    /// An event holding one scalar per (tag, value), at `step`.
    public static func scalars(wallTime: Double, step: Int, values: [(tag: String, value: Float)]) -> [UInt8] {
        var summary: [UInt8] = []
        for (tag, value) in values {
            var v: [UInt8] = []
            v.appendBytes(field: 1, Array(tag.utf8))
            v.appendFloat(field: 2, value)
            summary.appendBytes(field: 1, v)
        }
        var event: [UInt8] = []
        event.appendDouble(field: 1, wallTime)
        event.appendVarint(field: 2, UInt64(max(0, step)))
        event.appendBytes(field: 5, summary)
        return event
    }

    /// `data` framed as one TFRecord.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var length: [UInt8] = []
        length.appendLittleEndian(UInt64(data.count))
        var out = length
        out.appendLittleEndian(CRC32C.masked(length))
        out += data
        out.appendLittleEndian(CRC32C.masked(data))
        return out
    }

    /// The records of a file's bytes, each as (offset of its end, its data), in order; stops at the first
    /// record that is cut short or fails a CRC (what a crash while appending leaves).
    public static func records(_ bytes: [UInt8]) -> [(end: Int, data: ArraySlice<UInt8>)] {
        var out: [(Int, ArraySlice<UInt8>)] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            let header = bytes[offset..<(offset + 8)]
            guard bytes.littleEndianUInt32(at: offset + 8) == CRC32C.masked(header) else { break }
            let length = bytes.littleEndianUInt64(at: offset), available = bytes.count - offset - 16
            guard available >= 0, length <= UInt64(available) else { break }
            let start = offset + 12, end = start + Int(length)
            let data = bytes[start..<end]
            guard bytes.littleEndianUInt32(at: end) == CRC32C.masked(data) else { break }
            offset = end + 4
            out.append((offset, data))
        }
        return out
    }

    /// The step of an Event (0 when absent, as protobuf defaults it); nil when the bytes are not an Event.
    public static func step(ofEvent data: ArraySlice<UInt8>) -> Int? {
        var i = data.startIndex
        var step = 0
        while i < data.endIndex {
            guard let (key, next) = data.readVarint(at: i) else { return nil }
            i = next
            switch (key >> 3, key & 7) {
            case (2, 0):
                guard let (value, after) = data.readVarint(at: i) else { return nil }
                step = Int(truncatingIfNeeded: value)
                i = after
            case (_, 0):
                guard let (_, after) = data.readVarint(at: i) else { return nil }
                i = after
            case (_, 1): i += 8
            case (_, 5): i += 4
            case (_, 2):
                guard let (length, after) = data.readVarint(at: i), length <= UInt64(data.endIndex - after) else { return nil }
                i = after + Int(length)
            default: return nil
            }
        }
        return i == data.endIndex ? step : nil
    }
}

/// Appends scalar events to `RUN_DIR/tensorboard/events.out.tfevents.<unix time>.dispo`. A resumed run
/// reopens its file and cuts it back to the events of the steps its checkpoint holds (as metrics.jsonl is),
/// so each step appears once.
public final class TensorBoardWriter {
    public let path: String
    private let handle: FileHandle

    /// A new file in `directory`, or with `resumeThroughStep` the newest existing one cut back to the events
    /// with step ≤ that step (a new file when there is none).
    public init(directory: String, resumeThroughStep: Int? = nil, now: Double = Date().timeIntervalSince1970) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("events.out.tfevents.") }.sorted()
        if let keep = resumeThroughStep, let name = existing.last {
            path = directory + "/" + name
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let records = TensorBoardEvent.records(bytes)
            let kept = records.prefix { (TensorBoardEvent.step(ofEvent: $0.data) ?? Int.max) <= keep }
            guard truncate(path, off_t(kept.last?.end ?? 0)) == 0 else {
                throw SystemError(file: path, operation: "truncate", code: errno)
            }
            handle = try Self.open(path)
            handle.seekToEndOfFile()
            if kept.isEmpty { try write(TensorBoardEvent.fileVersion(wallTime: now)) }
        } else {
            path = directory + "/events.out.tfevents.\(Int(now)).dispo"
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw SystemError(file: path, operation: "create", code: errno)
            }
            handle = try Self.open(path)
            try write(TensorBoardEvent.fileVersion(wallTime: now))
        }
    }

    deinit { try? handle.close() }

    private static func open(_ path: String) throws -> FileHandle {
        guard let handle = FileHandle(forWritingAtPath: path) else { throw SystemError(file: path, operation: "open", code: errno) }
        return handle
    }

    private func write(_ event: [UInt8]) throws {
        try handle.write(contentsOf: Data(TensorBoardEvent.record(event)))
    }

    /// One event with every finite value of `values` (tags sorted), at `step`.
    public func write(step: Int, values: [String: Double], wallTime: Double = Date().timeIntervalSince1970) throws {
        let scalars = values.filter { $0.value.isFinite && $0.key != "step" }.sorted { $0.key < $1.key }
            .map { (tag: $0.key, value: Float($0.value)) }
        guard !scalars.isEmpty else { return }
        try write(TensorBoardEvent.scalars(wallTime: wallTime, step: step, values: scalars))
    }
}

// MARK: - Protobuf and little-endian helpers

extension Array where Element == UInt8 {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func appendRawVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    mutating func appendVarint(field: Int, _ value: UInt64) {
        appendRawVarint(UInt64(field << 3))
        appendRawVarint(value)
    }

    mutating func appendDouble(field: Int, _ value: Double) {
        appendRawVarint(UInt64(field << 3 | 1))
        appendLittleEndian(value.bitPattern)
    }

    mutating func appendFloat(field: Int, _ value: Float) {
        appendRawVarint(UInt64(field << 3 | 5))
        appendLittleEndian(value.bitPattern)
    }

    mutating func appendBytes(field: Int, _ bytes: [UInt8]) {
        appendRawVarint(UInt64(field << 3 | 2))
        appendRawVarint(UInt64(bytes.count))
        append(contentsOf: bytes)
    }

    func littleEndianUInt64(at i: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(self[i + $1]) << (8 * UInt64($1)) }
    }

    func littleEndianUInt32(at i: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(self[i + $1]) << (8 * UInt32($1)) }
    }
}

extension ArraySlice where Element == UInt8 {
    /// A varint at `i` and the index after it; nil when cut short or longer than 10 bytes.
    func readVarint(at start: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var i = start
        for shift in stride(from: 0, to: 70, by: 7) {
            guard i < endIndex else { return nil }
            let b = self[i]
            i += 1
            value |= UInt64(b & 0x7F) << UInt64(shift)
            if b < 0x80 { return (value, i) }
        }
        return nil
    }
}
