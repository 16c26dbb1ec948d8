// File-system operations with errors that name the file and the operation: what a path is (regular file,
// directory, FIFO, device, a symlink loop…), reading a whole regular file without ever blocking in open()
// on a FIFO, creating, listing, moving and removing. Foundation's file APIs report failures as
// "NSCocoaErrorDomain error 256" or "You don't have permission…"; everything dispo does to files goes
// through here or through `SystemError(foundation:file:operation:)`, which translates such an error.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

public enum FileKind: Sendable, Equatable {
    case missing, regular, directory, fifo, characterDevice, blockDevice, socket, symlinkLoop, other

    /// "a directory", "a FIFO (named pipe)", … for error messages.
    public var description: String {
        switch self {
        case .missing: return "nothing (no such file)"
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .symlinkLoop: return "a loop of symbolic links"
        case .other: return "a special file"
        }
    }

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }
}

public enum FileSystem {
    /// What `path` is, following symbolic links.
    public static func kind(_ path: String) -> FileKind {
        var st = stat()
        if stat(path, &st) == 0 { return FileKind(mode: st.st_mode) }
        return errno == ELOOP ? .symlinkLoop : .missing
    }

    /// Throws unless `path` is a regular file; `what` says what it should be ("a shard set's manifest").
    public static func requireRegularFile(_ path: String, _ what: String = "a regular file") throws {
        let found = kind(path)
        guard found == .regular else { throw InputError(file: path, expected: what, found: found.description) }
    }

    /// Throws unless `path` is a directory.
    public static func requireDirectory(_ path: String, _ what: String = "a directory") throws {
        let found = kind(path)
        guard found == .directory else { throw InputError(file: path, expected: what, found: found.description) }
    }

    /// Opens `path` for reading without blocking (a FIFO with no writer would block a plain open) and checks
    /// that it is a regular file; returns the descriptor and the size.
    public static func openRegular(_ path: String, _ what: String = "a regular file") throws -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            if code == ELOOP { throw InputError(file: path, expected: what, found: FileKind.symlinkLoop.description) }
            if code == ENOENT { throw InputError(file: path, expected: what, found: FileKind.missing.description) }
            throw SystemError(file: path, operation: "open", code: code)
        }
        var st = stat()
        if fstat(fd, &st) != 0 {
            let code = errno
            close(fd)
            throw SystemError(file: path, operation: "stat", code: code)
        }
        let found = FileKind(mode: st.st_mode)
        guard found == .regular else {
            close(fd)
            throw InputError(file: path, expected: what, found: found.description)
        }
        // Back to blocking reads (O_NONBLOCK has no effect on regular files, but be explicit).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int(st.st_size))
    }

    /// The whole contents of the regular file `path`.
    public static func read(_ path: String, _ what: String = "a regular file") throws -> [UInt8] {
        let (fd, size) = try openRegular(path, what)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        // Read to the end, even if the file grew since fstat.
        while true {
            if done == bytes.count { bytes.append(contentsOf: repeatElement(0, count: max(4096, bytes.count / 2))) }
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { Glibc_read(fd, $0 + done, buffer.count - done) } ?? 0
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(file: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            done += n
        }
        bytes.removeSubrange(done...)
        return bytes
    }

    /// The whole contents of `path` as Data.
    public static func readData(_ path: String, _ what: String = "a regular file") throws -> Data {
        Data(try read(path, what))
    }

    /// Reads everything from descriptor `fd` (a pipe, a terminal, a file), named `name` in errors.
    public static func readAll(fd: Int32, name: String) throws -> [UInt8] {
        var st = stat()
        if fstat(fd, &st) == 0, FileKind(mode: st.st_mode) == .directory {
            throw InputError(file: name, expected: "text to read", found: "a directory")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in buffer.baseAddress.map { Glibc_read(fd, $0, buffer.count) } ?? 0 }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(file: name, operation: "read", code: errno)
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }

    /// `mkdir -p`: creates `path` and missing parents; an existing directory is fine, anything else there is an error.
    public static func createDirectory(_ path: String) throws {
        if path.isEmpty { return }
        let found = kind(path)
        if found == .directory { return }
        if found != .missing { throw InputError(file: path, expected: "a directory (or nothing there yet)", found: found.description) }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw SystemError(file: path, operation: "create directory", code: errno) }
    }

    /// The names in directory `path`, sorted; "." and ".." left out.
    public static func list(_ path: String) throws -> [String] {
        try requireDirectory(path)
        guard let dir = opendir(path) else { throw SystemError(file: path, operation: "list directory", code: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes `path` and, for a directory, everything in it (symbolic links are removed, not followed).
    /// Nothing there is fine.
    public static func remove(_ path: String) throws {
        var st = stat()
        if lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw SystemError(file: path, operation: "stat", code: errno)
        }
        if FileKind(mode: st.st_mode) == .directory {
            for name in try list(path) { try remove(path + "/" + name) }
            if rmdir(path) != 0 { throw SystemError(file: path, operation: "remove directory", code: errno) }
        } else if unlink(path) != 0 {
            throw SystemError(file: path, operation: "remove", code: errno)
        }
    }

    /// rename(2): atomic within one file system.
    public static func move(_ from: String, to: String) throws {
        if rename(from, to) != 0 { throw SystemError(file: to, operation: "rename from \(from)", code: errno) }
    }
}

extension SystemError {
    /// Translates an error of Foundation's file APIs into a SystemError naming `file` and `operation` (errno
    /// from the underlying POSIX error where there is one); other errors are returned unchanged.
    public static func translating(_ error: any Error, file: String, operation: String) -> any Error {
        if error is InputError || error is SystemError { return error }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return SystemError(file: file, operation: operation, code: Int32(ns.code)) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return SystemError(file: (ns.userInfo[NSFilePathErrorKey] as? String) ?? file, operation: operation,
                               code: Int32(underlying.code))
        }
        guard ns.domain == NSCocoaErrorDomain else { return error }
        let code: Int32
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: code = ENOENT
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: code = EACCES
        case NSFileWriteOutOfSpaceError: code = ENOSPC
        case NSFileWriteVolumeReadOnlyError: code = EROFS
        case NSFileWriteFileExistsError: code = EEXIST
        default: code = EIO
        }
        return SystemError(file: (ns.userInfo[NSFilePathErrorKey] as? String) ?? file, operation: operation, code: code)
    }
}

@inline(__always)
private func Glibc_read(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, p, n)
    #else
    return Darwin.read(fd, p, n)
    #endif
}
