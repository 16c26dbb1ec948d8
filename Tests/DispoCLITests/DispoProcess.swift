// Runs the built `dispo` executable as a user would, capturing exit code, stdout and stderr; reads its JSON output.
import DispoSupport
import Foundation
import XCTest

struct DispoRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Dispo {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The `dispo` binary next to the test bundle in the build directory.
    static var executable: URL {
        get throws {
            let candidates = [
                Bundle.main.bundleURL.deletingLastPathComponent(),
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                Bundle.main.bundleURL,
            ].map { $0.appendingPathComponent("dispo") }
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw XCTSkip("dispo executable not found beside the tests (looked in \(candidates.map(\.path)))")
            }
            return found
        }
    }

    /// Runs `dispo` to the end; with `timeout`, a process still running after that many seconds is killed and
    /// the test fails (a hang is a failure, not a stuck suite).
    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> DispoRun {
        let process = Process()
        process.executableURL = try executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning {
                XCTFail("dispo \(arguments.prefix(2).joined(separator: " ")) still running after \(timeout ?? 0) s: killed", file: file, line: line)
                kill(process.processIdentifier, SIGKILL)
            }
        }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
        defer { watchdog.cancel() }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? process.terminationStatus : process.terminationStatus
        return DispoRun(status: status, stdout: String(decoding: outData, as: UTF8.self),
                        stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension XCTestCase {
    func scratchDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir
    }
}

/// dispo's JSON output read back with the strict parser: a file, or the lines of a JSONL text, each an object.
enum JSONOutput {
    static func file(_ path: String) throws -> JSONValue {
        let value = try JSONParser.parse(contentsOf: path).value
        XCTAssertNotNil(value.members, "\(path) does not hold a JSON object")
        return value
    }

    static func lines(_ text: String) throws -> [JSONValue] {
        try text.split(separator: "\n").map { line in
            let value = try JSONValue.parse(String(line))
            XCTAssertNotNil(value.members, "not a JSON object: \(line)")
            return value
        }
    }
}

extension XCTestCase {
    /// The bundled arithmetic task sharded into a scratch directory (90% train, 10% test, worked solutions as
    /// responses), and `--set` overrides pointing Pipelines/smoke.json's data and warm start at it, then `extra`.
    func smokeShards(_ extra: [String] = []) throws -> (dir: String, sets: [String]) {
        let dir = try scratchDirectory()
        let shard = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", "Data/tokenizers/char",
                                   "--out", dir + "/data", "--response-field", "solution", "--split", "test=0.1",
                                   "--seed", "1", "--quiet"], timeout: 120)
        XCTAssertEqual(shard.status, 0, shard.stderr)
        let sets = ["data.train=\"\(dir)/data/train\"", "data.eval=\"\(dir)/data/test\"", "sft.data=\"\(dir)/data/train\""] + extra
        return (dir, sets.flatMap { ["--set", $0] })
    }
}
