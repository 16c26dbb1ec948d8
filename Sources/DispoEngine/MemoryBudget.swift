// Sizes computed from input (config.json, safetensors headers, sampling settings) are checked before anything
// is allocated: every product uses overflow-checked arithmetic, and the bytes a model, a cache or a batch needs
// are compared with what this machine has, so hostile or mistaken numbers become clear errors, never a trap
// or an out-of-memory kill. Model files must be regular files (a FIFO would block `open`).

import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum MemoryBudget {
    /// Physical memory of this machine in bytes.
    public static var physicalBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }

    /// Memory the kernel reports as available for new allocations (Linux MemAvailable), else physical memory.
    public static var availableBytes: Int {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kib = Int(line.split(separator: " ").dropFirst().first ?? "") {
            return kib.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kib * 1024
        }
        #endif
        return physicalBytes
    }

    /// Product of `factors`, nil on overflow or a negative factor.
    public static func product(_ factors: [Int]) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            p = r
        }
        return p
    }

    /// Sum of `terms`, nil on overflow.
    public static func sum(_ terms: [Int]) -> Int? {
        var s = 0
        for t in terms {
            let (r, overflow) = s.addingReportingOverflow(t)
            if overflow { return nil }
            s = r
        }
        return s
    }

    /// "1.84 GiB" style text.
    public static func describe(bytes: Int) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        return gib >= 0.1 ? String(format: "%.2f GiB", gib) : String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
    }

    /// Throws when `floats` 4-byte values (nil: the size overflowed) do not fit in the available memory.
    /// `what` names the allocation, `file`/`place` where the numbers came from.
    public static func require(floats: Int?, what: String, file: String, place: String? = nil,
                               available: Int = MemoryBudget.availableBytes) throws {
        guard let floats, let bytes = product([floats, 4]) else {
            throw InputError(file: file, place: place, expected: "sizes whose product fits in 64 bits (\(what))",
                             found: "an overflowing size")
        }
        guard bytes <= available else {
            throw InputError(file: file, place: place, expected: "\(what) to fit in the available memory (\(describe(bytes: available)))",
                             found: "\(describe(bytes: bytes)) needed", hint: "check the sizes, or free memory")
        }
    }

    /// Throws unless `path` is a regular file (or a symlink to one); never opens it, so a FIFO cannot block.
    public static func requireRegularFile(_ path: String, what: String = "a regular file") throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw InputError(file: path, expected: what, found: String(cString: strerror(errno)))
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            let kind: String
            switch st.st_mode & S_IFMT {
            case S_IFDIR: kind = "a directory"
            case S_IFIFO: kind = "a FIFO"
            case S_IFCHR: kind = "a character device"
            case S_IFSOCK: kind = "a socket"
            default: kind = "not a regular file"
            }
            throw InputError(file: path, expected: what, found: kind)
        }
    }
}
