// ShardJob on careless input: repeated split names, empty prompts, a set that would come out empty,
// characters the char vocabulary lacks, keys given twice and numbers beyond a double. Each is an error
// naming the file and record, or is counted in the summary — never a silently smaller or lossy set.
import DispoDatasets
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class ShardJobTests: XCTestCase {
    private let char = Result { try TokenizerLoader.load(TestPaths.packageRoot.path + "/Data/tokenizers/char") }

    private func job(_ lines: [String], _ configure: (inout ShardJob) -> Void = { _ in }) throws -> ShardJob {
        let dir = try scratchDirectory()
        try AtomicFile.write(lines.map { $0 + "\n" }.joined(), to: dir + "/d.jsonl")
        var job = ShardJob(input: dir + "/d.jsonl", output: dir + "/out")
        job.showProgress = false
        job.writer.threads = 1
        configure(&job)
        return job
    }

    private func problems(_ n: Int) -> [String] { (0..<n).map { "{\"problem\": \"\($0)+1=\", \"answer\": \"\($0 + 1)\"}" } }

    func test_a_split_name_given_twice_is_an_error() throws {
        let job = try job(problems(20)) { $0.splits = [("test", 0.1), ("test", 0.2)] }
        XCTAssertThrowsError(try job.run(tokenizer: try char.get())) {
            XCTAssertTrue("\($0)".hasPrefix("--split: test: expected each split name once"), "\($0)")
        }
        XCTAssertEqual(FileSystem.kind(job.output), .missing)
    }

    func test_empty_prompts_stop_the_job_or_are_counted_with_skip_bad() throws {
        let lines = problems(3) + ["{\"problem\": \"\", \"answer\": \"1\"}", "{\"problem\": \"  \", \"answer\": \"1\"}"]
        XCTAssertThrowsError(try job(lines).run(tokenizer: try char.get())) {
            XCTAssertTrue("\($0)".contains("d.jsonl: line 4: expected a problem with text, found an empty prompt"), "\($0)")
        }
        let summary = try job(lines) { $0.skipBad = true }.run(tokenizer: try char.get())
        XCTAssertEqual(summary.skipped, ["empty prompt": 2])
        XCTAssertEqual(summary.splits.map(\.records), [3])
    }

    func test_an_output_set_with_no_records_is_an_error() throws {
        XCTAssertThrowsError(try job(["{\"problem\": \"\", \"answer\": \"1\"}"]) { $0.skipBad = true }.run(tokenizer: try char.get())) {
            XCTAssertTrue("\($0)".contains("expected at least one record in every shard set written, found 1 records read, none for"), "\($0)")
            XCTAssertTrue("\($0)".contains("skipped: 1 (empty prompt)"), "\($0)")
        }
        // a split too small to get a row: round(0.01 × 10) = 0
        let tiny = try job(problems(10)) { $0.splits = [("test", 0.01)] }
        XCTAssertThrowsError(try tiny.run(tokenizer: try char.get())) { XCTAssertTrue("\($0)".contains("/out/test"), "\($0)") }
        XCTAssertEqual(FileSystem.kind(tiny.output + "/train/manifest.json"), .missing)
    }

    func test_characters_outside_the_char_vocabulary_are_counted() throws {
        let summary = try job(["{\"problem\": \"1+1=\", \"answer\": \"2\"}", "{\"problem\": \"π+1=€\", \"answer\": \"4\"}"])
            .run(tokenizer: try char.get())
        XCTAssertEqual(summary.unknownCharacters, 2)
        XCTAssertEqual(summary.recordsWithUnknown, 1)
        XCTAssertTrue(summary.report().contains("warning: 2 characters in 1 records are not in the tokenizer's vocabulary"),
                      summary.report())
    }

    func test_keys_given_twice_and_numbers_beyond_a_double_are_named_and_counted() throws {
        let lines = problems(2) + ["{\"problem\": \"1+1=\", \"problem\": \"2+2=\", \"answer\": \"2\"}",
                                   "{\"problem\": \"1+1=\", \"answer\": 1e400}"]
        XCTAssertThrowsError(try job(lines).run(tokenizer: try char.get())) {
            XCTAssertTrue("\($0)".contains("line 3: expected each key once per object, found \"problem\" again"), "\($0)")
        }
        let summary = try job(lines) { $0.skipBad = true }.run(tokenizer: try char.get())
        XCTAssertEqual(summary.skipped, ["a key given twice": 1, "a number out of range": 1])
    }
}
