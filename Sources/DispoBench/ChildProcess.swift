// How benchmarks run other programs, two ways: `run` starts one and waits for it to finish (posix_spawn and
// wait4, so the benchmark sees its wall time from spawn to exit, its CPU time and its own peak resident memory:
// the rusage of that child alone), collecting its standard output and error; `Session` starts a baseline that
// answers requests line by line on its standard input and output (a model built once, stepped on request).

import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct ChildResult {
    var wall: Double            // seconds from spawn to exit
    var cpu: Double             // user + system seconds of the child
    var peakBytes: Int          // maximum resident set size of the child
    var status: Int32           // exit status, or 128 + signal
    var stdout: String
    var stderr: String
    /// The last line of standard output that parses as a JSON object, as a reader.
    var json: JSONObjectReader? {
        for line in stdout.split(separator: "\n").reversed() where line.hasPrefix("{") {
            if let node = try? JSONParser.parse(String(line), file: "output"),
               let object = try? JSONReader(node: node, file: "output").object() { return object }
        }
        return nil
    }
}

enum ChildProcess {
    /// Tools/`name` of the working directory, else of the source tree this was built from (the Python baselines).
    static func toolScript(_ name: String) -> String {
        let local = "Tools/" + name
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(local).path
    }

    /// Runs `arguments` (arguments[0] looked up in PATH) with `environment` added to this process's; returns when it
    /// exits. Standard output is kept unless `keepOutput` is false (then it goes to /dev/null: for programs that
    /// write a lot). Throws only when it cannot be started.
    static func run(_ arguments: [String], environment extra: [String: String] = [:],
                    keepOutput: Bool = true) throws -> ChildResult {
        let dir = FileManager.default.temporaryDirectory.path + "/dispo-child-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, keepOutput ? dir + "/out" : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, dir + "/err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let start = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9
        let code = posix_spawnp(&pid, arguments[0], &actions, nil, argv, envp)
        guard code == 0 else { throw SystemError(file: arguments[0], operation: "posix_spawn", code: code) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 - start
        let exited = status & 0x7F == 0
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        return ChildResult(wall: wall, cpu: cpu, peakBytes: Int(usage.ru_maxrss) * 1024,
                           status: exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F),
                           stdout: (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? "")
    }
}

extension ChildProcess {
    /// A program that answers requests: one line written to its standard input, one line read back. Its standard
    /// error goes to `errorPath`.
    final class Session {
        private let process: Process
        private let input: FileHandle
        private let lines: LineReader

        /// Starts `arguments` (arguments[0] looked up in PATH) with `environment` added to this process's.
        init(_ arguments: [String], environment extra: [String: String] = [:], errorPath: String) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            var environment = ProcessInfo.processInfo.environment
            for (k, v) in extra { environment[k] = v }
            process.environment = environment
            let stdin = Pipe(), stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = FileHandle(forWritingAtPath: errorPath)
            try process.run()
            input = stdin.fileHandleForWriting
            lines = LineReader(stdout.fileHandleForReading)
        }

        var isRunning: Bool { process.isRunning }
        var status: Int32 { process.terminationStatus }

        /// The next line of its output; nil at its end.
        func readLine() -> String? { lines.next() }

        /// Writes `line` and a newline; false when the program is gone.
        func send(_ line: String) -> Bool {
            isRunning && (try? input.write(contentsOf: Data((line + "\n").utf8))) != nil
        }

        /// Sends `goodbye` (if given), closes its input and waits for it to exit.
        func finish(saying goodbye: String? = nil) {
            if let goodbye { _ = send(goodbye) }
            try? input.close()
            process.waitUntilExit()
        }
    }
}

/// Lines of a pipe, read as they arrive.
final class LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    init(_ handle: FileHandle) { self.handle = handle }

    /// The next line without its newline; nil at end of input.
    func next() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                return line
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}

/// Median and range of paired measurements.
struct Spread {
    var values: [Double]
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return .nan }
        return (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
    }
    var range: String {
        guard let lo = values.min(), let hi = values.max() else { return "–" }
        return String(format: "%.2f–%.2f", lo, hi)
    }
}
