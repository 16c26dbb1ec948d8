// Scratch files for the harnesses whose readers take paths: one directory per process in /dev/shm (memory,
// not disk), rewritten by every input.

import DispoSupport
import Foundation

public enum Scratch {
    /// `/dev/shm/dispo-fuzz-PID/NAME` (created once), or the same under the temporary directory.
    public static func directory(_ name: String) -> String {
        let root = FileSystem.kind("/dev/shm") == .directory ? "/dev/shm" : NSTemporaryDirectory()
        let path = root + "/dispo-fuzz-\(getpid())/" + name
        if FileSystem.kind(path) != .directory { try? FileSystem.createDirectory(path) }
        return path
    }

    /// Writes `bytes` to `path` (not atomically: a harness owns its directory).
    public static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// With DISPO_FUZZ_DEBUG set, prints what a reader said about an input (to see how deep seeds get).
    public static func note(_ what: String) {
        if ProcessInfo.processInfo.environment["DISPO_FUZZ_DEBUG"] != nil { print(what) }
    }

    /// The bytes of one fuzz input.
    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// `bytes` split at the first `separator`: (before, after); after is nil without one.
    public static func split(_ bytes: ArraySlice<UInt8>, at separator: UInt8 = 0) -> (ArraySlice<UInt8>, ArraySlice<UInt8>?) {
        guard let i = bytes.firstIndex(of: separator) else { return (bytes, nil) }
        return (bytes[..<i], bytes[(i + 1)...])
    }
}
