// Files that appear whole or not at all. Everything dispo writes (shards, manifests, checkpoints, run
// records) goes through `AtomicFile`: bytes go to a hidden temporary name in the destination directory,
// are fsynced, renamed over the final name, and the directory is fsynced. A crash at any moment leaves
// either the old file, the new file, or a stray `.NAME.tmp-*` that nothing reads as complete.
// A destination that is a character device or a FIFO, or any existing path under /dev or /proc (`--out
// /dev/stdout`), is written directly, every write checked; it is never renamed over. A directory or a block
// device there is an error.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file being written under a temporary name; `commit()` makes it visible under its final path.
/// Dropping it without `commit()` deletes the temporary file.
public final class AtomicFile {
    public let path: String
    public let temporaryPath: String
    private var fd: Int32
    private var committed = false
    /// Writing straight to a device or FIFO: no temporary file, no rename.
    private let direct: Bool
    /// Bytes written so far.
    public private(set) var size: Int = 0

    public init(path: String) throws {
        self.path = path
        let kind = FileSystem.kind(path)
        let special = kind == .regular && (path.hasPrefix("/dev/") || path.hasPrefix("/proc/"))
        switch special ? .characterDevice : kind {
        case .characterDevice, .fifo:
            // O_NONBLOCK: a FIFO without a reader is an error (ENXIO), not a hang.
            fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK | (kind == .regular ? O_TRUNC : 0))
            if fd < 0 { throw SystemError(file: path, operation: "open for writing", code: errno) }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
            temporaryPath = path
            direct = true
            return
        case .directory, .blockDevice, .socket, .symlinkLoop, .other:
            throw InputError(file: path, expected: "a path for a file to write", found: kind.description)
        case .missing, .regular:
            direct = false
        }
        let (dir, name) = AtomicFile.split(path)
        let salt = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporaryPath = (dir.isEmpty ? "" : dir + "/") + ".\(name).tmp-\(getpid())-\(salt)"
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw SystemError(file: temporaryPath, operation: "create", code: errno) }
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            if !direct { unlink(temporaryPath) }
        }
    }

    /// Appends bytes; retries short writes and EINTR.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc_write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(file: temporaryPath, operation: "write", code: errno)
            }
            p += n
            left -= n
        }
        size += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// fsync, rename to the final path, fsync the directory. After this the file is durable and complete.
    public func commit() throws {
        precondition(!committed, "AtomicFile.commit() called twice for \(path)")
        if direct {
            committed = true
            let result = close(fd)
            fd = -1
            if result != 0 { throw SystemError(file: path, operation: "close", code: errno) }
            return
        }
        if fsync(fd) != 0 { throw SystemError(file: temporaryPath, operation: "fsync", code: errno) }
        if close(fd) != 0 { throw SystemError(file: temporaryPath, operation: "close", code: errno) }
        fd = -1
        if rename(temporaryPath, path) != 0 {
            let code = errno
            unlink(temporaryPath)
            committed = true
            throw SystemError(file: path, operation: "rename from \(temporaryPath)", code: code)
        }
        committed = true
        AtomicFile.syncDirectory(of: path)
    }

    /// Writes `bytes` to `path` atomically in one call.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try AtomicFile(path: path)
        try file.write(bytes)
        try file.commit()
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// fsync the directory holding `path`, so a rename into it survives a crash. Best effort.
    public static func syncDirectory(of path: String) {
        let (dir, _) = split(path)
        let dfd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
