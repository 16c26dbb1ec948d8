// `dispo eval` end to end: a tiny random llama model with the char vocabulary evaluated on shards of the
// bundled arithmetic task; the summary line, the per-problem JSONL, determinism, and errors for bad input.
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class EvalCommandTests: XCTestCase {
    /// A random 1-layer llama over the 100-id char vocabulary, saved with the tokenizer beside it.
    private func tinyModelDirectory(_ root: String) throws -> String {
        let dir = root + "/model"
        let model = Transformer(config: ModelConfig(modelType: "llama", vocabSize: 100, hiddenSize: 32, intermediateSize: 64,
                                                    numHiddenLayers: 1, numAttentionHeads: 2, maxPositionEmbeddings: 256,
                                                    bosTokenID: 1, eosTokenIDs: [2]))
        model.initializeRandom(seed: 3)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try model.save(directory: dir)
        try FileManager.default.copyItem(atPath: Dispo.packageRoot.path + "/Data/tokenizers/char/vocab.json", toPath: dir + "/vocab.json")
        return dir
    }

    /// The held-out split of the bundled task (records hold prompt + worked solution, with `prompt_tokens`).
    private func testShards(_ root: String) throws -> String {
        let shard = try Dispo.run(["shard", "Data/arithmetic/problems.jsonl", "--tokenizer", "Data/tokenizers/char",
                                   "--out", root + "/data", "--response-field", "solution", "--split", "test=0.1",
                                   "--seed", "1", "--quiet"])
        XCTAssertEqual(shard.status, 0, shard.stderr)
        return root + "/data/test"
    }

    private func readLines(_ path: String) throws -> [JSONValue] {
        try JSONOutput.lines(String(contentsOfFile: path, encoding: .utf8))
    }

    func test_eval_prints_accuracies_and_writes_one_line_per_problem() throws {
        // Given a tiny model and the held-out shards
        let root = try scratchDirectory()
        let model = try tinyModelDirectory(root), data = try testShards(root)
        // When it is evaluated on 8 problems with 2 samples each, plus greedy
        let arguments = ["eval", "--model", model, "--data", data, "--limit", "8", "--n", "2", "--max-new-tokens", "24",
                         "--greedy", "--seed", "5", "--out", root + "/eval.jsonl", "--metrics", root + "/eval.json"]
        let run = try Dispo.run(arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        // Then the summary line reports every accuracy, each a fraction
        let summary = try XCTUnwrap(run.stdout.split(separator: "\n").first { $0.hasPrefix("mean@2 ") }, run.stdout)
        for key in ["pass@2", "maj@2", "greedy", "(8 problems × 2 samples"] { XCTAssertTrue(summary.contains(key), String(summary)) }
        let metrics = try JSONOutput.file(root + "/eval.json").numbers
        for key in ["eval/mean@k", "eval/pass@k", "eval/maj@k", "eval/greedy"] {
            let value = try XCTUnwrap(metrics[key], key)
            XCTAssertTrue((0...1).contains(value), "\(key) = \(value)")
        }
        // And the JSONL has 8 problems with 2 scored samples and a greedy response each
        let lines = try readLines(root + "/eval.jsonl")
        XCTAssertEqual(lines.count, 8)
        var correct = 0
        for line in lines {
            XCTAssertNotNil(line["id"]?.string)
            XCTAssertNotNil(line["answer"]?.string)
            XCTAssertFalse((line["prompt"]?.string ?? "").contains("boxed"), "the prompt excludes the worked solution")
            let samples = try XCTUnwrap(line["samples"]?.elements)
            XCTAssertEqual(samples.count, 2)
            for sample in samples + [try XCTUnwrap(line["greedy"])] {
                XCTAssertNotNil(sample["text"]?.string)
                XCTAssertTrue(sample.members?.contains { $0.key == "extracted" } == true)
                XCTAssertNotNil(sample["reason"]?.string)
                XCTAssertTrue(["stop", "length"].contains(sample["finish"]?.string ?? ""))
                let tokens = try XCTUnwrap(sample["tokens"]?.int)
                XCTAssertTrue((1...24).contains(tokens))
                if sample["correct"]?.bool == true { correct += 1 }
            }
        }
        XCTAssertLessThanOrEqual(correct, 24)
        // The same command gives the same responses
        let again = try Dispo.run(Array(arguments.dropLast(4)) + ["--out", root + "/again.jsonl"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOfFile: root + "/eval.jsonl", encoding: .utf8),
                       try String(contentsOfFile: root + "/again.jsonl", encoding: .utf8))
    }

    func test_eval_rejects_missing_data_and_bad_flags() throws {
        let root = try scratchDirectory()
        let model = try tinyModelDirectory(root)
        let missing = try Dispo.run(["eval", "--model", model, "--data", root + "/nothing"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("\(root)/nothing: expected a shard set directory"), missing.stderr)
        let data = try testShards(root)
        let badN = try Dispo.run(["eval", "--model", model, "--data", data, "--n", "0"])
        XCTAssertNotEqual(badN.status, 0)
        XCTAssertTrue(badN.stderr.contains("--n: expected a whole number in [1, 65536], found 0"), badN.stderr)
        let noModel = try Dispo.run(["eval", "--model", root + "/no-model", "--data", data, "--limit", "1"])
        XCTAssertNotEqual(noModel.status, 0)
        XCTAssertTrue(noModel.stderr.contains(root + "/no-model"), noModel.stderr)
        try FileManager.default.removeItem(atPath: model + "/vocab.json")
        let noTokenizer = try Dispo.run(["eval", "--model", model, "--data", data, "--limit", "1"])
        XCTAssertNotEqual(noTokenizer.status, 0)
        XCTAssertTrue(noTokenizer.stderr.contains("pass --tokenizer PATH"), noTokenizer.stderr)
    }
}
