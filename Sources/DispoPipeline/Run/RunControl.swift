// How a run is stopped from outside, and how two processes are kept from writing one run directory.
//
// StopFlag: raised by SIGINT/SIGTERM (or a test). The learner stops waiting for the next batch at once,
// finishes the step it is computing, writes a checkpoint and ends; handlers registered with `onRaise` run
// at the moment it is raised (the pipeline fails its channels with StopRequested so nothing waits on).
//
// RunDirectoryLock: an exclusive flock(2) on RUN_DIR/.lock for the lifetime of a run or resume; a second
// `dispo run`/`dispo resume` on the same directory fails at once, naming the process that holds it. The lock
// goes away with the process, however it ends (kill -9 included), so a stale lock never blocks a resume.

import DispoSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The error the pipeline's stages are stopped with when a stop was requested.
public struct StopRequested: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "stopped on request" }
}

public final class StopFlag: Sendable {
    private struct State {
        var raised = 0
        var handlers: [Int: @Sendable () -> Void] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Raises the flag; returns how many times it has been raised (1 the first time).
    @discardableResult
    public func raise() -> Int {
        let (count, handlers) = state.withLock { s -> (Int, [@Sendable () -> Void]) in
            s.raised += 1
            return (s.raised, s.raised == 1 ? Array(s.handlers.values) : [])
        }
        for h in handlers { h() }
        return count
    }

    public var isRaised: Bool { state.withLock { $0.raised > 0 } }

    /// Runs `handler` when the flag is raised (at once if it already is); returns a token for `remove`.
    @discardableResult
    public func onRaise(_ handler: @escaping @Sendable () -> Void) -> Int {
        let (token, already) = state.withLock { s -> (Int, Bool) in
            s.nextToken += 1
            s.handlers[s.nextToken] = handler
            return (s.nextToken, s.raised > 0)
        }
        if already { handler() }
        return token
    }

    public func remove(_ token: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }
}

public final class RunDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Creates `directory` if needed and locks it, or throws naming the process that holds the lock.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError(file: path, operation: "open", code: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            if code == EWOULDBLOCK {
                throw InputError(file: directory, expected: "a run directory no other dispo process is using",
                                 found: "it is in use" + (holder.isEmpty ? "" : " by \(holder)"),
                                 hint: "wait for that process to end, or stop it (SIGTERM checkpoints and exits)")
            }
            throw SystemError(file: path, operation: "lock", code: code)
        }
        descriptor = fd
        let text = "pid \(getpid()) (\(CommandLine.arguments.prefix(3).joined(separator: " "))), since \(ISO8601DateFormatter().string(from: Date()))\n"
        if ftruncate(fd, 0) == 0 { _ = text.withCString { write(fd, $0, strlen($0)) } }
    }

    deinit { close(descriptor) }
}
