// A reward program run as persistent subprocesses speaking JSONL on stdin/stdout (PluginProtocol.swift).
// `workers` processes at most, each answering one request at a time, started when first needed; a request
// waits for a free one (bounded concurrency). A process that exits, answers garbage or takes longer than the
// timeout is killed — the request fails with an error naming the program and the request — and a fresh
// process takes its place for the next request. Its stderr goes to dispo's stderr.

import DispoChannels
import DispoSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

public final class CommandRewardPlugin: RewardPlugin, @unchecked Sendable {
    public let name: String
    let command: [String]
    let timeout: Double
    /// Idle slots; a slot holds a running process or nil (start one when taken).
    private let idle: AsyncPool<PluginProcess?>
    private let started = Mutex<[PluginProcess]>([])

    public init(name: String, command: [String], timeout: Double, workers: Int) throws {
        self.name = name
        self.command = command
        self.timeout = timeout
        signal(SIGPIPE, SIG_IGN)   // a plugin that died must be an error on write, not the end of dispo
        _ = try Self.executable(command[0])
        idle = AsyncPool(Array(repeating: nil, count: workers))
    }

    public func score(_ request: RewardRequest) async throws -> RewardReply {
        var process = try await idle.take()
        do {
            let running: PluginProcess
            if let open = process {
                running = open
            } else {
                running = try PluginProcess(command: command, name: name)
                started.withLock { $0.append(running) }
                process = running
            }
            let line = try await running.ask(try JSONWriter.encode(request), timeout: timeout)
            let reply: RewardReply
            do {
                reply = try RewardReply.parse(line, plugin: name)
            } catch {
                throw PluginFault(reason: "answered \(InputError.excerpt(line)), not {\"reward\": number, …}: \(error)")
            }
            idle.put(process)
            return reply
        } catch {
            process?.terminate()
            idle.put(nil)
            if let fault = error as? PluginFault {
                throw RewardPluginError(plugin: name + " (" + command.joined(separator: " ") + ")", request: request.summary,
                                        reason: fault.reason)
            }
            throw error
        }
    }

    public func shutdown() {
        _ = idle.drain()
        for p in started.withLock({ $0 }) { p.terminate() }
    }

    /// The program's path: as given when it has a slash, else searched in PATH.
    static func executable(_ program: String) throws -> String {
        if program.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: program) else {
                throw InputError(file: program, expected: "an executable reward program", found: "no such executable file")
            }
            return program
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(program)") {
            return "\(dir)/\(program)"
        }
        throw InputError(file: program, expected: "a reward program on PATH", found: "not found in \(path)")
    }
}

/// What went wrong with one request, before it is named with the plugin and the request.
struct PluginFault: Error { var reason: String }

/// One running plugin process.
final class PluginProcess: @unchecked Sendable {
    let process = Process()
    let input: FileHandle
    let reader: LineReader
    private var asked = 0

    init(command: [String], name: String) throws {
        process.executableURL = URL(fileURLWithPath: try CommandRewardPlugin.executable(command[0]))
        process.arguments = Array(command.dropFirst())
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        do { try process.run() } catch {
            throw PluginFault(reason: "could not start \(command[0]): \(error.localizedDescription)")
        }
        input = stdin.fileHandleForWriting
        let process = self.process
        reader = LineReader(descriptor: stdout.fileHandleForReading.fileDescriptor) {
            process.waitUntilExit()
            return PluginFault(reason: "the program exited (status \(process.terminationStatus)) without answering")
        }
    }

    /// Sends one request line and waits at most `timeout` seconds for its answer line.
    func ask(_ line: String, timeout: Double) async throws -> String {
        do {
            try input.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw PluginFault(reason: "could not send the request (the program has exited?): \(error.localizedDescription)")
        }
        let n = asked
        asked += 1
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask { try await self.reader.line(n) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                throw PluginFault(reason: "no answer within \(timeout) s")
            }
            defer { group.cancelAll() }
            guard let line = try await group.next() else { throw PluginFault(reason: "no answer") }
            return line
        }
    }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? input.close()
    }
}
