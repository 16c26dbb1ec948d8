// `dispo shard` and `dispo gen` end to end: the bundled task, bad records, over-long prompts, splits.
import DispoShards
import DispoSupport
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
        let metadata = try metadataObject(record.metadata)
        let promptTokens = try metadata.required("prompt_tokens").int()
        XCTAssertEqual(mask.prefix(promptTokens).allSatisfy { $0 == 0 }, true)
        XCTAssertEqual(mask.dropFirst(promptTokens).allSatisfy { $0 == 1 }, true)
        XCTAssertFalse(try metadata.required("answer").string().isEmpty)
        XCTAssertEqual(try metadata.required("source").string(), "arithmetic/problems")

        // The same seed picks the same test rows; another seed picks others.
        let again = try scratchDirectory() + "/shards"
        XCTAssertEqual(try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", charTokenizer, "--out", again,
                                      "--split", "test=0.1", "--seed", "3", "--quiet"]).status, 0)
        let ids = { (set: ShardSet) in try (0..<set.count).map { i -> String in
            try self.metadataObject(set.record(at: i).metadata).required("id").string()
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

    private func metadataObject(_ bytes: [UInt8]) throws -> JSONObjectReader {
        try JSONReader(node: try JSONParser.parse(String(decoding: bytes, as: UTF8.self), file: "metadata"), file: "metadata").object()
    }

    func test_chat_template_prompts_match_transformers_and_chat_options_need_it() throws {
        let fixtures = "Tests/DispoTokenizersTests/Fixtures/chat/qwen2.5-instruct"
        let dir = try scratchDirectory()
        let input = dir + "/p.jsonl"
        try "{\"problem\": \"Let $f(x) = 3x^2 - 5$. What is $f(f(1))$?\", \"answer\": \"7\"}\n"
            .write(toFile: input, atomically: true, encoding: .utf8)
        let system = "Please reason step by step, and put your final answer within \\boxed{}."
        let run = try Dispo.run(["shard", input, "--tokenizer", fixtures, "--out", dir + "/out", "--quiet", "--template", "chat",
                                 "--system-prompt", system])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("chat template: \(fixtures)/tokenizer_config.json"), run.stdout)
        XCTAssertTrue(run.stdout.contains("end of turn: <|im_end|>"), run.stdout)
        // The ids of `apply_chat_template` for this conversation (case "system-user" of the fixture).
        let cases = try JSONReader.open(fixtures + "/cases.json").object().required("cases").array()
        let expected = try cases.first { try $0.object().required("name").string() == "system-user" }
            .map { try $0.object().required("ids").array().map { Int32(try $0.int()) } }
        XCTAssertEqual(try ShardSet(directory: dir + "/out").record(at: 0).tokens, try XCTUnwrap(expected))

        let misuse = try Dispo.run(["shard", input, "--tokenizer", fixtures, "--out", dir + "/x", "--system-prompt", "S"])
        XCTAssertNotEqual(misuse.status, 0)
        XCTAssertTrue(misuse.stderr.contains("need --template chat"), misuse.stderr)
        try "{{ messages[0].content }}\n{% include 'x' %}".write(toFile: dir + "/bad.jinja", atomically: true, encoding: .utf8)
        let bad = try Dispo.run(["shard", input, "--tokenizer", fixtures, "--out", dir + "/y", "--template", "chat",
                                 "--chat-template", dir + "/bad.jinja"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("\(dir)/bad.jinja: template line 2, column 1"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("{% include %} is not supported"), bad.stderr)
    }

    func test_existing_set_is_not_overwritten_without_flag() throws {
        let dir = try scratchDirectory()
        let args = ["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", charTokenizer, "--out", dir + "/s", "--quiet"]
        XCTAssertEqual(try Dispo.run(args).status, 0)
        XCTAssertNotEqual(try Dispo.run(args).status, 0)
        XCTAssertEqual(try Dispo.run(args + ["--overwrite"]).status, 0)
    }
}
