// End-to-end tests of `dispo model init`, `dispo sample` and `dispo score` on tiny random-initialised models:
// greedy and seeded sampling are reproducible, scoring the sampled ids gives back the sampler's log-probs,
// a char tokenizer in the model directory yields text, and bad input names its file and line.

import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class ModelCommandsTests: XCTestCase {
    /// A tiny Llama with grouped-query attention and an EOS id, written to `dir/config.json`.
    func writeTinyConfig(_ dir: String) throws -> String {
        let path = dir + "/tiny.json"
        let config = """
            {"model_type": "llama", "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 128, "eos_token_id": 2}
            """
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `dispo model init` into `dir/model`; returns the model directory.
    func initModel(_ dir: String, config: String, seed: Int = 1) throws -> String {
        let out = dir + "/model"
        let run = try Dispo.run(["model", "init", "--config", config, "--out", out, "--seed", "\(seed)"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return out
    }

    func jsonLines(_ text: String) throws -> [JSONValue] { try JSONOutput.lines(text) }

    func sample(_ arguments: [String]) throws -> [JSONValue] {
        let run = try Dispo.run(["sample"] + arguments)
        XCTAssertEqual(run.status, 0, run.stderr)
        return try jsonLines(run.stdout)
    }

    /// Scores prompt_ids + tokens of every sample from the first new token and checks the log-probs agree.
    func assertScoresMatch(_ samples: [JSONValue], model: String, dir: String) throws {
        let input = try samples.map { s -> String in
            let prompt = try XCTUnwrap(s["prompt_ids"]?.ints), tokens = try XCTUnwrap(s["tokens"]?.ints)
            return "{\"ids\": \(prompt + tokens), \"start\": \(prompt.count)}"
        }.joined(separator: "\n")
        try input.write(toFile: dir + "/score.jsonl", atomically: true, encoding: .utf8)
        let run = try Dispo.run(["score", "--model", model, "--input", dir + "/score.jsonl"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let scores = try jsonLines(run.stdout)
        XCTAssertEqual(scores.count, samples.count)
        for (s, score) in zip(samples, scores) {
            let expected = try XCTUnwrap(s["logprobs"]?.doubles), got = try XCTUnwrap(score["logprobs"]?.doubles)
            let entropies = try XCTUnwrap(score["entropies"]?.doubles)
            XCTAssertEqual(got.count, expected.count)
            XCTAssertEqual(entropies.count, expected.count)
            for (a, b) in zip(got, expected) { XCTAssertEqual(a, b, accuracy: 1e-4) }
            XCTAssertTrue(entropies.allSatisfy { $0 >= 0 && $0 <= log(64) + 1e-4 })
        }
    }

    func test_model_init_writes_a_loadable_model_and_refuses_to_overwrite() throws {
        let dir = try scratchDirectory()
        let config = try writeTinyConfig(dir)
        let model = try initModel(dir, config: config)
        XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/config.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: model + "/model.safetensors"))
        let again = try Dispo.run(["model", "init", "--config", config, "--out", model])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)
        let bf16 = try Dispo.run(["model", "init", "--config", config, "--out", model, "--overwrite", "--dtype", "bf16"])
        XCTAssertEqual(bf16.status, 0, bf16.stderr)
        func dtype() throws -> String? {
            try JSONOutput.file(model + "/config.json")["torch_dtype"]?.string
        }
        XCTAssertEqual(try dtype(), "bfloat16", "config.json names the dtype the weights are stored in")
        XCTAssertEqual(try Dispo.run(["model", "init", "--config", config, "--out", model, "--overwrite"]).status, 0)
        XCTAssertEqual(try dtype(), "float32")
        let bad = try Dispo.run(["model", "init", "--config", config, "--out", dir + "/other", "--dtype", "f16"])
        XCTAssertNotEqual(bad.status, 0)
    }

    func test_greedy_sampling_is_deterministic_and_scores_back() throws {
        let dir = try scratchDirectory()
        let model = try initModel(dir, config: try writeTinyConfig(dir))
        try "{\"prompt_ids\": [1, 5, 9]}\n{\"prompt_ids\": [1, 7]}\n".write(toFile: dir + "/p.jsonl", atomically: true, encoding: .utf8)
        let arguments = ["--model", model, "--input", dir + "/p.jsonl", "--greedy", "--max-new-tokens", "12", "--n", "2"]
        let first = try sample(arguments), second = try sample(arguments)
        XCTAssertEqual(first.count, 4)
        XCTAssertEqual(first.map { $0["tokens"]?.ints }, second.map { $0["tokens"]?.ints })
        XCTAssertEqual(first[0]["tokens"]?.ints, first[1]["tokens"]?.ints, "greedy: both samples alike")
        for s in first {
            let tokens = try XCTUnwrap(s["tokens"]?.ints), reason = try XCTUnwrap(s["finish_reason"]?.string)
            XCTAssertEqual(reason, tokens.last == 2 ? "stop" : "length")
            XCTAssertTrue(tokens.count == 12 || reason == "stop")
        }
        try assertScoresMatch(first, model: model, dir: dir)
    }

    func test_prefill_precision_is_checked_and_bf16_samples_where_it_can_run() throws {
        let dir = try scratchDirectory()
        let model = try initModel(dir, config: try writeTinyConfig(dir))
        try "{\"prompt_ids\": [1, 5, 9, 4, 4, 8]}\n".write(toFile: dir + "/p.jsonl", atomically: true, encoding: .utf8)
        let arguments = ["sample", "--model", model, "--input", dir + "/p.jsonl", "--greedy", "--max-new-tokens", "6"]
        let bad = try Dispo.run(arguments + ["--prefill-precision", "f16"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--prefill-precision: expected f32 or bf16, found f16"), bad.stderr)
        let bf16 = try Dispo.run(arguments + ["--prefill-precision", "bf16"])
        if let why = PrefillPrecision.bf16.unavailability {
            // Refused before loading anything, naming the option and the reason, once.
            XCTAssertNotEqual(bf16.status, 0)
            XCTAssertTrue(bf16.stderr.contains("--prefill-precision bf16: \(why)"), bf16.stderr)
            XCTAssertFalse(bf16.stderr.contains("unsupported: unsupported"), bf16.stderr)
            XCTAssertEqual(bf16.stdout, "")
        } else {
            XCTAssertEqual(bf16.status, 0, bf16.stderr)
            let samples = try jsonLines(bf16.stdout)
            XCTAssertEqual(samples.count, 1)
            XCTAssertEqual(samples.first?["tokens"]?.ints?.count, 6)
        }
    }

    func test_seeded_sampling_is_reproducible_and_scores_back() throws {
        let dir = try scratchDirectory()
        let model = try initModel(dir, config: try writeTinyConfig(dir))
        try "{\"prompt_ids\": [1, 5, 9]}\n\n{\"prompt_ids\": [1, 7, 3, 3]}\n".write(toFile: dir + "/p.jsonl", atomically: true, encoding: .utf8)
        let arguments = ["--model", model, "--input", dir + "/p.jsonl", "--n", "3", "--max-new-tokens", "16", "--temperature", "1"]
        let a = try sample(arguments + ["--seed", "7"]), b = try sample(arguments + ["--seed", "7"])
        let c = try sample(arguments + ["--seed", "8"])
        XCTAssertEqual(a.count, 6)
        XCTAssertEqual(a.map { $0["tokens"]?.ints }, b.map { $0["tokens"]?.ints })
        XCTAssertEqual(a.map { $0["logprobs"]?.doubles }, b.map { $0["logprobs"]?.doubles })
        XCTAssertNotEqual(a.map { $0["tokens"]?.ints }, c.map { $0["tokens"]?.ints })
        XCTAssertEqual(a.map { $0["prompt_index"]?.int }, [0, 0, 0, 1, 1, 1])
        // Sample 1 of prompt 1 alone (n = 2) is the same sequence: its key does not depend on n.
        let fewer = try sample(["--model", model, "--input", dir + "/p.jsonl", "--n", "2", "--max-new-tokens", "16", "--seed", "7"])
        XCTAssertEqual(fewer[3]["tokens"]?.ints, a[4]["tokens"]?.ints)
        try assertScoresMatch(a, model: model, dir: dir)
    }

    func test_sampling_with_a_char_tokenizer_writes_text() throws {
        let dir = try scratchDirectory()
        let root = Dispo.packageRoot.path
        let model = try initModel(dir, config: root + "/Data/models/tiny-char/config.json")
        try FileManager.default.copyItem(atPath: root + "/Data/tokenizers/char/vocab.json", toPath: model + "/vocab.json")
        let samples = try sample(["--model", model, "--prompt", "1+2=", "--n", "2", "--max-new-tokens", "8", "--seed", "3"])
        XCTAssertEqual(samples.count, 2)
        for s in samples {
            XCTAssertEqual(s["prompt"]?.string, "1+2=")
            XCTAssertEqual(s["prompt_ids"]?.ints, [1, 21, 15, 22, 33], "<bos> then the characters")
            XCTAssertNotNil(s["text"]?.string)
        }
        let noTokenizer = try Dispo.run(["sample", "--model", dir + "/model", "--prompt", "x", "--tokenizer", dir + "/missing"])
        XCTAssertNotEqual(noTokenizer.status, 0)
    }

    func test_bad_input_names_file_and_line() throws {
        let dir = try scratchDirectory()
        let model = try initModel(dir, config: try writeTinyConfig(dir))
        let cases: [(command: String, text: String, needle: String)] = [
            ("sample", "{\"prompt_ids\": [1, 2]}\n{\"prompt_ids\": [1, 64]}\n", "line 2"),
            ("sample", "{\"prompt_ids\": [1, 2]}\n{\"ids\": [1]}\n", "line 2"),
            ("sample", "{\"prompt_ids\": [1, 2]}\n{\"prompt\": \"no tokenizer\"}\n", "line 2"),
            ("sample", "{\"prompt_ids\": [1, 2]\n", "line 1"),
            ("score", "{\"ids\": [1, 2, 3]}\n{\"start\": 1}\n", "line 2"),
            ("score", "{\"ids\": [1, 2, 3]}\n{\"ids\": [1, 2, 99]}\n", "line 2"),
            ("score", "{\"ids\": [1, 2, 3], \"start\": 3}\n", "line 1"),
            ("score", "not json\n", "line 1"),
        ]
        for (i, c) in cases.enumerated() {
            let path = dir + "/bad\(i).jsonl"
            try c.text.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try Dispo.run([c.command, "--model", model, "--input", path])
            XCTAssertNotEqual(run.status, 0, "case \(i)")
            XCTAssertTrue(run.stderr.contains(path) && run.stderr.contains(c.needle), "case \(i): \(run.stderr)")
            XCTAssertTrue(run.stdout.isEmpty, "case \(i): no output before the error")
        }
    }
}
