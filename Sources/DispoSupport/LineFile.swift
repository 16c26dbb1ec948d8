// A file written line by line and readable while it grows (per-problem evaluation results): created or
// truncated when opened, every write checked (a full disk is an error, never a short file and exit 0).
// A path that is a character device or FIFO is written directly; a directory there is an error. Unlike
// AtomicFile it is not atomic: use it only for outputs a reader may watch as they are written.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class LineFile {
    public let path: String
    private var fd: Int32

    /// Creates (or truncates) `path`, and its parent directories.
    public init(path: String) throws {
        self.path = path
        switch FileSystem.kind(path) {
        case .missing, .regular, .characterDevice, .fifo: break
        case let kind: throw InputError(file: path, expected: "a path for a file to write", found: kind.description)
        }
        let parent = AtomicFile.split(path).directory
        if !parent.isEmpty { try FileSystem.createDirectory(parent) }
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NONBLOCK, 0o644)
        if fd < 0 { throw SystemError(file: path, operation: "open for writing", code: errno) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    }

    deinit { if fd >= 0 { _ = Glibc_close(fd) } }

    /// Writes `text` and a newline.
    public func line(_ text: String) throws {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        try bytes.withUnsafeBytes { buffer in
            guard var p = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let n = write(fd, p, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SystemError(file: path, operation: "write", code: errno)
                }
                p += n
                left -= n
            }
        }
    }

    /// Closes the file; a failure to close (where a delayed write error surfaces) is an error.
    public func close() throws {
        guard fd >= 0 else { return }
        let result = Glibc_close(fd)
        fd = -1
        if result != 0 { throw SystemError(file: path, operation: "close", code: errno) }
    }
}

@inline(__always)
private func Glibc_close(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
