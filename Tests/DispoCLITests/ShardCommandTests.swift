// `dispo shard` and `dispo gen` end to end: the bundled task, bad records, over-long prompts, splits.
import DispoShards
import Foundation
import XCTest

final class ShardCommandTests: XCTestCase {
    private let charTokenizer = "Data/tokenizers/char"

    func test_bundled_problems_are_what_the_generator_makes() throws {
        let run = try Dispo.run(["gen", "arithmetic", "--count", "1000", "--seed", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let bundled = try String(contentsOf: Dispo.packageRoot.appendingPathComponent("Data/arithmetic/problems.jsonl"),
                                 encoding: .utf8)
        XCTAssertEqual(run.stdout, bundled, "Data/arithmetic/problems.jsonl is stale: regenerate it (see Data/arithmetic/README.md)")
    }

    func test_shards_bundled_task_with_split_and_loss_mask() throws {
        let out = try scratchDirectory() + "/shards"
        let run = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", charTokenizer, "--out", out,
                                 "--response-field", "solution", "--split", "test=0.1", "--seed", "3", "--quiet",
                                 "--block-kib", "8"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("records: 1000 read, 1000 written"), run.stdout)
        let train = try ShardSet(directory: out + "/train")
        let test = try ShardSet(directory: out + "/test")
        XCTAssertEqual(train.count, 900)
        XCTAssertEqual(test.count, 100)
        let record = try test.record(at: 0)
        let mask = try XCTUnwrap(record.lossMask)
        XCTAssertEqual(mask.count, record.tokens.count)
        let metadata = try JSONSerialization.jsonObject(with: Data(record.metadata)) as! [String: Any]
        let promptTokens = try XCTUnwrap(metadata["prompt_tokens"] as? Int)
        XCTAssertEqual(mask.prefix(promptTokens).allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(mask.dropFirst(promptTokens).allSatisfy { $0 == 1 }, true)
        XCTAssertNotNil(metadata["answer"] as? String)
        XCTAssertEqual(metadata["source"] as? String, "arithmetic/problems")

        // The same seed picks the same test rows; another seed picks others.
        let again = try scratchDirectory() + "/shards"
        XCTAssertEqual(try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", charTokenizer, "--out", again,
                                      "--split", "test=0.1", "--seed", "3", "--quiet"]).status, 0)
        let ids = { (set: ShardSet) in try (0..<set.count).map { i -> String in
            let m = try JSONSerialization.jsonObject(with: Data(set.record(at: i).metadata)) as! [String: Any]
            return m["id"] as! String
        } }
        XCTAssertEqual(try ids(ShardSet(directory: again + "/test")), try ids(test))
    }

    func test_bad_record_stops_with_file_and_line_and_leaves_nothing_complete() throws {
        let dir = try scratchDirectory()
        let input = dir + "/bad.jsonl"
        try "{\"problem\":\"1+1=\",\"answer\":\"2\"}\n{\"problem\":\"2+2=\",\"answer\":\"4\"}\n{\"problem\": oops}\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let out = dir + "/out"
        let run = try Dispo.run(["shard", input, "--tokenizer", charTokenizer, "--out", out, "--quiet"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("\(input): line 3"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/manifest.json"))
        XCTAssertThrowsError(try ShardSet(directory: out))

        let skipped = try Dispo.run(["shard", input, "--tokenizer", charTokenizer, "--out", out, "--quiet", "--skip-bad"])
        XCTAssertEqual(skipped.status, 0, skipped.stderr)
        XCTAssertTrue(skipped.stdout.contains("skipped: 1 (bad JSON or UTF-8)"), skipped.stdout)
        XCTAssertEqual(try ShardSet(directory: out).count, 2)
    }

    func test_overlong_prompts_are_skipped_or_an_error() throws {
        let dir = try scratchDirectory()
        let input = dir + "/p.jsonl"
        try "{\"problem\":\"1+1=\",\"answer\":\"2\"}\n{\"problem\":\"12345+678901=\",\"answer\":\"0\"}\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let skip = try Dispo.run(["shard", input, "--tokenizer", charTokenizer, "--out", dir + "/a", "--quiet",
                                  "--max-prompt-tokens", "6"])
        XCTAssertEqual(skip.status, 0, skip.stderr)
        XCTAssertTrue(skip.stdout.contains("skipped: 1 (prompt over 6 tokens)"), skip.stdout)
        let fail = try Dispo.run(["shard", input, "--tokenizer", charTokenizer, "--out", dir + "/b", "--quiet",
                                  "--max-prompt-tokens", "6", "--overlong", "error"])
        XCTAssertNotEqual(fail.status, 0)
        XCTAssertTrue(fail.stderr.contains("line 2"), fail.stderr)
    }

    func test_existing_set_is_not_overwritten_without_flag() throws {
        let dir = try scratchDirectory()
        let args = ["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", charTokenizer, "--out", dir + "/s", "--quiet"]
        XCTAssertEqual(try Dispo.run(args).status, 0)
        XCTAssertNotEqual(try Dispo.run(args).status, 0)
        XCTAssertEqual(try Dispo.run(args + ["--overwrite"]).status, 0)
    }
}
