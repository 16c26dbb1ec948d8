// `dispo shard`'s job on the real benchmark files in ../shared/data/math, as they are.
import DispoDatasets
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class RealDatasetsTests: XCTestCase {
    private static let gpt2: (any Tokenizer)? = {
        guard let shared = TestPaths.shared else { return nil }
        return try? TokenizerLoader.load(shared.appendingPathComponent("data/tokenizers/gpt2/gpt2_tokenizer.json").path)
    }()

    /// Shards `file` (relative to shared/data/math) and returns the summary and the set.
    private func shard(_ file: String, _ configure: (inout ShardJob) -> Void = { _ in }) throws -> (ShardJobSummary, ShardSet) {
        let shared = try TestPaths.requireShared("RealDatasetsTests.\(file)")
        let tokenizer = try XCTUnwrap(Self.gpt2, "GPT-2 tokenizer failed to load")
        var job = ShardJob(input: shared.appendingPathComponent("data/math/" + file).path, output: try scratchDirectory() + "/s")
        job.showProgress = false
        job.writer.blockBytes = 64 << 10
        configure(&job)
        let summary = try job.run(tokenizer: tokenizer)
        return (summary, try ShardSet(directory: job.output))
    }

    private func answers(_ set: ShardSet) throws -> [String] {
        try (0..<set.count).map { i in
            let text = String(decoding: try set.record(at: i).metadata, as: UTF8.self)
            return try JSONReader(node: try JSONParser.parse(text, file: "metadata"), file: "metadata").object()
                .required("answer").string()
        }
    }

    func test_gsm8k_answers_after_hashes() throws {
        let (summary, set) = try shard("gsm8k/test.jsonl")
        XCTAssertEqual(set.count, 1319)
        XCTAssertEqual(summary.skipped, [:])
        let answers = try answers(set)
        XCTAssertEqual(answers[0], "18")
        XCTAssertTrue(answers.allSatisfy { Int($0.replacingOccurrences(of: ",", with: "")) != nil }, "all GSM8K answers are integers")
    }

    func test_math500_and_math_train_json_array() throws {
        let (_, math500) = try shard("math500/test.jsonl")
        XCTAssertEqual(math500.count, 500)
        // Four MATH train records ($[886], $[1009], $[5328], $[5330]) have a null answer: an error by default…
        XCTAssertThrowsError(try shard("math_train/math.json")) { error in
            XCTAssertTrue("\(error)".contains("math.json: $[886]: expected a string or number in \"answer\", found null"), "\(error)")
            XCTAssertTrue("\(error)".contains("--skip-bad"), "\(error)")
        }
        // …and counted and skipped with --skip-bad.
        let (summary, train) = try shard("math_train/math.json") { $0.skipBad = true }
        XCTAssertEqual(train.count, 7470)
        XCTAssertEqual(summary.skipped, ["missing or malformed field": 4])
        XCTAssertEqual(Array(try answers(train).prefix(5)), ["0", "98", "4", "17", "6"])
    }

    func test_aime_and_amc_answers() throws {
        let (_, aime24) = try shard("aime24/test.jsonl")
        XCTAssertEqual(Array(try answers(aime24).prefix(8)), ["204", "113", "371", "385", "110", "104", "721", "025"])
        let (summary25, aime25) = try shard("aime25/test.jsonl")
        XCTAssertEqual(Array(try answers(aime25).prefix(3)), ["70", "588", "16"])
        XCTAssertEqual(summary25.repairedEscapes, 3, "rows 18, 19 and 27 carry mangled \\frac / \\triangle")
        let (_, amc) = try shard("amc23/test.jsonl")
        XCTAssertEqual(amc.count, 40)
        XCTAssertEqual(Array(try answers(amc).prefix(4)), ["27", "36", "45", "3159"])
    }

    func test_qwen_boxed_template_with_qwen_tokenizer() throws {
        let shared = try TestPaths.requireShared("RealDatasetsTests.qwen_boxed")
        let qwen = try TokenizerLoader.load(shared.appendingPathComponent("data/tokenizers/qwen2.5-0.5b").path)
        var job = ShardJob(input: shared.appendingPathComponent("data/math/aime24/test.jsonl").path,
                           output: try scratchDirectory() + "/s")
        job.template = .qwenBoxed
        job.showProgress = false
        _ = try job.run(tokenizer: qwen)
        let record = try ShardSet(directory: job.output).record(at: 0)
        XCTAssertEqual(record.tokens.first, qwen.tokenID(for: "<|im_start|>"))
        let text = try qwen.decode(record.tokens, skipSpecialTokens: false)
        XCTAssertTrue(text.hasSuffix("<|im_end|>\n<|im_start|>assistant\n"), text)
        XCTAssertTrue(text.contains("within \\boxed{}"))
    }
}
