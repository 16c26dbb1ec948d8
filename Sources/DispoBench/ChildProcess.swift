// Whole-process measurements: runs a program to completion with posix_spawn and wait4, so the benchmark sees
// its wall time from spawn to exit and its own peak resident memory (rusage of that child alone), and collects
// its standard output. Standard error goes to a file, shown when the program fails.

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
    /// Runs `arguments` (arguments[0] looked up in PATH) with `environment` added to this process's; returns when it
    /// exits. Throws only when it cannot be started.
    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ChildResult {
        let dir = FileManager.default.temporaryDirectory.path + "/dispo-child-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, dir + "/out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
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
