// Standard output with every write checked, standard error that never traps, standard input read with
// errors. Output goes through C stdio's `stdout` — the stream Swift's `print` writes to — so text written
// here and by `print` stays in order, and `StandardOutput.flush()` at the end of a command reports a
// failed write of either (a full disk, /dev/full, a closed pipe) as a SystemError instead of exit 0.
// Foundation's `FileHandle.write` traps on such failures, so dispo never uses it for the standard streams.

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

public enum StandardOutput {
    /// Writes `text` (buffered by stdio); throws when the stream has failed, at the latest one buffer
    /// (a few KiB) after the write that failed.
    public static func write(_ text: String) throws {
        var text = text
        errno = 0
        let complete = text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            return fwrite(base, 1, bytes.count, stdout) == bytes.count
        }
        if !complete || ferror(stdout) != 0 { throw failure() }
    }

    /// Writes `text` and a newline.
    public static func line(_ text: String) throws { try write(text + "\n") }

    /// Flushes stdio's buffer; throws if this or any earlier write to standard output failed.
    public static func flush() throws {
        errno = 0
        if fflush(stdout) != 0 || ferror(stdout) != 0 { throw failure() }
    }

    private static func failure() -> SystemError {
        SystemError(file: "standard output", operation: "write", code: errno != 0 ? errno : EIO)
    }
}

public enum StandardError {
    /// Writes `text` unbuffered; a failure is ignored (there is nowhere left to report it).
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = fwrite(base, 1, bytes.count, stderr)
        }
        _ = fflush(stderr)
    }

    /// Writes `text` and a newline.
    public static func line(_ text: String) { write(text + "\n") }
}

public enum StandardInput {
    /// Everything on standard input; a directory or a failed read is an error naming standard input.
    public static func readAll() throws -> [UInt8] {
        try FileSystem.readAll(fd: 0, name: "standard input")
    }
}
