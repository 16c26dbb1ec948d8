// The command line under faults and careless input, with the built `dispo`: every command whose output
// cannot be written (standard output or --out on /dev/full) exits non-zero naming the failed write; numbers
// are checked against their documented ranges (negative ones included) before any work; standard input
// that is a directory, data from another tokenizer and --minibatches that split a batch unevenly are clear
// errors; and --threads reads the same in every command that has it.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class ReliabilityCommandTests: XCTestCase {
    static let model = "Data/models/tiny-char-sft", char = "Data/tokenizers/char"

    /// Runs dispo with standard output (and optionally input) connected to files, e.g. /dev/full.
    private func run(_ arguments: [String], stdout: String, stdin: String? = nil) throws -> DispoRun {
        let process = Process()
        process.executableURL = try Dispo.executable
        process.arguments = arguments
        process.currentDirectoryURL = Dispo.packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        guard let out = FileHandle(forWritingAtPath: stdout) else { throw XCTSkip("cannot open \(stdout)") }
        process.standardOutput = out
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) } else { process.standardInput = FileHandle.nullDevice }
        let err = Pipe()
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return DispoRun(status: process.terminationStatus, stdout: "", stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Shards of the bundled task (test split only), a score/grade/rollout input each, a fake run directory.
    private func inputs() throws -> [String: String] {
        let dir = try scratchDirectory()
        let shard = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", Self.char, "--out", dir + "/data",
                                   "--split", "test=0.02", "--quiet"])
        XCTAssertEqual(shard.status, 0, shard.stderr)
        try AtomicFile.write("{\"ids\": [1, 21, 15, 21, 33]}\n", to: dir + "/score.jsonl")
        try AtomicFile.write(String(repeating: "{\"response\": \"\\\\boxed{2}\", \"answer\": \"2\"}\n", count: 400), to: dir + "/grade.jsonl")
        try AtomicFile.write("""
            {"prompt_ids":[1,21],"response_ids":[15,21],"old_logprobs":[-2.8,-2.9],"reward":1,"group":0}
            {"prompt_ids":[1,21],"response_ids":[33],"old_logprobs":[-2.7],"reward":-1,"group":0}
            {"prompt_ids":[1,22],"response_ids":[15],"old_logprobs":[-2.7],"reward":-1,"group":1}

            """, to: dir + "/rollouts.jsonl")
        try FileSystem.createDirectory(dir + "/run")
        try AtomicFile.write("{\"step\":1,\"acc/mean\":0.5}\n{\"step\":2,\"acc/mean\":0.6}\n", to: dir + "/run/metrics.jsonl")
        return ["dir": dir, "test": dir + "/data/test", "train": dir + "/data/train"]
    }

    func test_every_command_fails_when_its_output_cannot_be_written() throws {
        guard FileSystem.kind("/dev/full") == .characterDevice else { throw XCTSkip("no /dev/full character device") }
        let i = try inputs(), dir = i["dir"] ?? ""
        let m = Self.model, data = i["test"] ?? ""
        let eval = ["eval", "--model", m, "--tokenizer", Self.char, "--data", data, "--limit", "2", "--n", "1", "--max-new-tokens", "4"]
        let commands: [(arguments: [String], stdin: String?)] = [
            (["gen", "arithmetic", "--count", "2000"], nil),
            (["gen", "arithmetic", "--count", "10", "--out", "/dev/full"], nil),
            (["sample", "--model", m, "--tokenizer", Self.char, "--prompt", "1+1=", "--n", "40", "--max-new-tokens", "4"], nil),
            (["score", "--model", m, "--input", dir + "/score.jsonl"], nil),
            (["grade", "--input", dir + "/grade.jsonl"], nil),
            (["grade", "--response", "\\boxed{2}", "--answer", "2"], nil),
            (["tokenize", "--tokenizer", Self.char], dir + "/score.jsonl"),
            (["shards", "cat", data], nil), (["shards", "stats", data], nil), (["shards", "inspect", data], nil),
            (["shards", "verify", data], nil),
            (eval, nil), (eval + ["--out", "/dev/full"], nil), (eval + ["--metrics", "/dev/full"], nil),
            (["learn", "--model", m, "--rollouts", dir + "/rollouts.jsonl", "--out", dir + "/learned"], nil),
            (["learn", "--model", m, "--rollouts", dir + "/rollouts.jsonl", "--out", dir + "/learned", "--metrics", "/dev/full"], nil),
            (["model", "init", "--config", "Data/models/tiny-char/config.json", "--out", dir + "/init", "--overwrite"], nil),
            (["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", Self.char, "--out", dir + "/again", "--quiet", "--overwrite"], nil),
            (["plot", dir + "/run"], nil), (["env"], nil),
        ]
        for (arguments, stdin) in commands {
            let result = try run(arguments, stdout: "/dev/full", stdin: stdin)
            XCTAssertEqual(result.status, 1, "\(arguments.prefix(3)): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("write failed: No space left on device"), "\(arguments.prefix(3)): \(result.stderr)")
        }
        XCTAssertEqual(FileSystem.kind("/dev/full"), .characterDevice)
    }

    func test_numbers_are_checked_against_their_ranges_negative_ones_included() throws {
        let cases: [([String], String)] = [
            (["sample", "--model", Self.model, "--prompt", "1", "--temperature", "-1"], "--temperature: expected a number in [0.0, 100.0], found -1.0"),
            (["sample", "--model", Self.model, "--prompt", "1", "--n", "1000000000"], "--n: expected a whole number in [1, 65536], found 1000000000"),
            (["sample", "--model", Self.model, "--prompt", "1", "--max-new-tokens", "1000000000"], "--max-new-tokens: expected a whole number in [1, 1048576]"),
            (["gen", "arithmetic", "--count", "1000000000000"], "--count: expected a whole number in [0, 1000000000]"),
            (["gen", "arithmetic", "--count", "-5"], "--count: expected a whole number in [0, 1000000000], found -5"),
            (["eval", "--model", Self.model, "--data", "x", "--n", "-2"], "--n: expected a whole number in [1, 65536], found -2"),
            (["learn", "--model", Self.model, "--rollouts", "x", "--out", "y", "--lr", "-0.1"], "--lr: expected a number in (0.0, 10.0], found -0.1"),
            (["learn", "--model", Self.model, "--rollouts", "x", "--out", "y", "--lr", "1e300"], "--lr: expected a number in (0.0, 10.0]"),
            (["shard", "in.jsonl", "--tokenizer", Self.char, "--out", "o", "--block-kib", "1000000000"], "--block-kib: expected a whole number in [1, 65536]"),
            (["score", "--model", Self.model, "--input", "x", "--threads", "0"], "--threads: expected a whole number in [1, 1024], found 0"),
        ]
        for (arguments, expected) in cases {
            let result = try Dispo.run(arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Missing value"), "\(arguments): \(result.stderr)")
        }
        let negativeReward = try Dispo.run(["grade", "--response", "x", "--answer", "1", "--reward-no-answer", "-2"])
        XCTAssertEqual(negativeReward.status, 0, negativeReward.stderr)
        XCTAssertTrue(negativeReward.stdout.contains("\"reward\":-2"), negativeReward.stdout)
    }

    func test_standard_input_that_is_a_directory_is_an_error_not_a_trap() throws {
        let dir = try scratchDirectory()
        try AtomicFile.write("", to: dir + "/out.txt")
        let result = try run(["tokenize", "--tokenizer", Self.char], stdout: dir + "/out.txt", stdin: dir)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("standard input: expected text to read, found a directory"), result.stderr)
    }

    func test_eval_data_from_another_tokenizer_names_the_set() throws {
        let dir = try scratchDirectory()
        try AtomicFile.write("{\"problem\": \"What is 12 plus 30?\", \"answer\": \"42\"}\n", to: dir + "/p.jsonl")
        let gpt2 = "Tests/DispoTokenizersTests/Fixtures/compact/gpt2_tokenizer.json"
        XCTAssertEqual(try Dispo.run(["shard", dir + "/p.jsonl", "--tokenizer", gpt2, "--out", dir + "/gpt2", "--quiet"]).status, 0)
        let result = try Dispo.run(["eval", "--model", Self.model, "--tokenizer", Self.char, "--data", dir + "/gpt2", "--n", "1"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("\(dir)/gpt2: manifest.json tokenizer: expected a shard set made with the tokenizer in use"),
                      result.stderr)
    }

    func test_learn_minibatches_must_divide_the_rollouts() throws {
        let i = try inputs(), dir = i["dir"] ?? ""
        let result = try Dispo.run(["learn", "--model", Self.model, "--rollouts", dir + "/rollouts.jsonl", "--out", dir + "/o",
                                    "--minibatches", "2"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--minibatches: expected a number of mini-batches that divides the 3 rollouts"), result.stderr)
        XCTAssertEqual(FileSystem.kind(dir + "/o"), .missing, "nothing is written")
    }

    func test_threads_means_the_same_in_every_command_that_has_it() throws {
        let commands = [["sample"], ["score"], ["eval"], ["serve"], ["shard"], ["bench", "engine"], ["bench", "serve"]]
        var helps: Set<String> = []
        for command in commands {
            let help = try Dispo.run(["help"] + command).stdout
            let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
            guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--threads <threads>") }) else {
                XCTFail("\(command) has no --threads: \(help)")
                continue
            }
            // the option's help text: its line and the continuation lines below it
            let text = lines[start...].prefix { $0 == lines[start] || $0.hasPrefix("                ") }.joined(separator: " ")
            helps.insert(text.split(separator: " ").joined(separator: " "))
        }
        XCTAssertEqual(helps.count, 1, "\(helps)")
        XCTAssertTrue(helps.first?.contains("(default: 1)") ?? false, "\(helps)")
    }
}
