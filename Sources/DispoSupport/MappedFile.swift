// A read-only memory mapping of a whole file. Readers of shards (and of large inputs) map files rather
// than read them, so the kernel pages bytes in on demand and resident memory stays bounded by what is
// touched, not by the file size. The mapping is immutable and so safe to share between tasks.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class MappedFile: @unchecked Sendable {
    public let path: String
    /// The mapped bytes; valid for the lifetime of this object.
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    public var count: Int { bytes.count }

    public init(path: String) throws {
        self.path = path
        // Opened without blocking (a FIFO would block a plain open) and refused unless a regular file.
        let (fd, size) = try FileSystem.openRegular(path)
        defer { close(fd) }
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        if p == MAP_FAILED || p == nil { throw SystemError(file: path, operation: "mmap", code: errno) }
        base = p
        bytes = UnsafeRawBufferPointer(start: p, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }

    /// Tells the kernel how the mapping will be read (sequential read-ahead, or random access).
    public func advise(sequential: Bool) {
        guard let base else { return }
        _ = madvise(base, bytes.count, sequential ? MADV_SEQUENTIAL : MADV_RANDOM)
    }

    /// Lets the kernel drop the pages of `range` from this process's resident set (they are clean, so
    /// they are re-read from the file if touched again).
    public func release(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound / page) * page
        let end = min(bytes.count, range.upperBound)
        guard end > start else { return }
        _ = madvise(base + start, end - start, MADV_DONTNEED)
    }
}
