// Every numeric setting of a pipeline spec has a documented range that `validate()` enforces: the test
// walks every numeric key of a spec that sets them all and requires 1e12 and -1e12 to be refused at that
// key. Also: hostile `--set` paths, and warm-start data made with another tokenizer named with its record.
import DispoPipeline
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation
import XCTest

final class SpecLimitsTests: XCTestCase {
    /// A spec setting every optional numeric key, written to a scratch file.
    private func specFile() throws -> String {
        let dir = NSTemporaryDirectory() + "dispo-spec-limits-\(UUID().uuidString)"
        try FileSystem.createDirectory(dir)
        addTeardownBlock { try? FileSystem.remove(dir) }
        let json = """
        {"name": "t", "seed": 1, "model": {"config": "c.json", "init_seed": 2}, "tokenizer": "tok",
         "data": {"train": "train", "eval": "eval", "eval_limit": 4},
         "sft": {"data": "train", "steps": 2, "batch_size": 4, "lr": 0.001, "warmup_steps": 1},
         "algorithm": {"name": "dispo", "loss": {"kind": "dispo"}, "aggregation_constant": 6, "entropy_coef": 0.01},
         "rollout": {"group_size": 2, "prompts_per_step": 4, "gen_batch_prompts": 4, "max_new_tokens": 6},
         "train": {"steps": 3, "mini_batches": 2, "micro_batch_size": 8},
         "scoring": {"overlong": {"max_length": 6, "buffer": 2}, "repetition": {"action": "penalty"}},
         "dynamic_sampling": {"enabled": true}, "eval": {"temperature": 0.7}}
        """
        try AtomicFile.write(json, to: dir + "/spec.json")
        return dir + "/spec.json"
    }

    /// Dotted paths of the numeric leaves of `value`.
    private func numericLeaves(_ value: JSONValue, _ prefix: String = "") -> [String] {
        switch value {
        case .object(let members): return members.flatMap { numericLeaves($0.value.value, prefix.isEmpty ? $0.key : prefix + "." + $0.key) }
        case .number: return [prefix]
        default: return []
        }
    }

    func test_every_numeric_setting_refuses_values_outside_its_range() throws {
        let path = try specFile()
        let spec = try PipelineSpec.load(path, checkFiles: false)
        let encoded = try JSONParser.parse(try JSONWriter.encode(spec), file: "encoded").value
        let seeds: Set = ["seed", "model.init_seed"]   // a seed may be any 64-bit value
        let leaves = numericLeaves(encoded).filter { !seeds.contains($0) }.sorted()
        XCTAssertGreaterThan(leaves.count, 50, "\(leaves)")
        for leaf in leaves {
            for value in ["1e12", "-1e12"] {
                XCTAssertThrowsError(try PipelineSpec.load(path, overrides: ["\(leaf)=\(value)"], checkFiles: false), "\(leaf)=\(value)") {
                    let place = ($0 as? InputError)?.place ?? ""
                    // the error names the key, or the object whose rule it breaks (a loss's settings)
                    XCTAssertTrue(place.hasPrefix("$." + leaf) || ("$." + leaf).hasPrefix(place.split(separator: " ").first.map(String.init) ?? "-"),
                                  "\(leaf)=\(value): \($0)")
                }
            }
        }
    }

    func test_responses_per_step_are_bounded_and_set_paths_are_not_too_deep() throws {
        let path = try specFile()
        XCTAssertThrowsError(try PipelineSpec.load(path, overrides: ["rollout.group_size=65536", "rollout.prompts_per_step=32"],
                                                   checkFiles: false)) {
            XCTAssertTrue("\($0)".contains("expected responses per step (prompts_per_step × group_size) of at most 1048576"), "\($0)")
        }
        let deep = Array(repeating: "a", count: 20_000).joined(separator: ".") + "=1"
        XCTAssertThrowsError(try PipelineSpec.load(path, overrides: [deep], checkFiles: false)) {
            XCTAssertTrue("\($0)".contains("expected a dotted path of at most 16 keys, found 20000 keys"), "\($0)")
        }
        XCTAssertThrowsError(try PipelineSpec.load(path, overrides: ["optimizer.lr=1e999"], checkFiles: false)) {
            XCTAssertTrue("\($0)".contains("expected a number within ±1.8e308"), "\($0)")
        }
        XCTAssertThrowsError(try PipelineSpec.load(path, overrides: ["rollout.temperature=1e300"], checkFiles: false)) {
            XCTAssertTrue("\($0)".contains("$.rollout.temperature (line 1): expected a number within ±3.4e38"), "\($0)")
        }
    }

    func test_warm_start_data_from_another_tokenizer_names_the_set_and_record() throws {
        let fixture = try PipelineFixture(test: self, trainCount: 8)
        let gpt2 = try TokenizerLoader.load(PipelineFixture.repo + "/Tests/DispoTokenizersTests/Fixtures/compact/gpt2_tokenizer.json")
        try PipelineFixture.writeSet(fixture.dir + "/sft-gpt2", [("What is 12 plus 30?", "42")], tokenizer: gpt2)
        XCTAssertThrowsError(try RunData.check(try fixture.spec(["sft.data=\"\(fixture.dir)/sft-gpt2\"", "sft.steps=1"]), file: "t.json")) {
            XCTAssertTrue("\($0)".hasPrefix("t.json: $.sft.data: expected a shard set made with the run's tokenizer"), "\($0)")
        }
        // the run's tokenizer, records of two tokens or more: accepted; a one-token record: named
        let char = try TokenizerLoader.load(PipelineFixture.repo + "/Data/tokenizers/char")
        let good = try ShardSetWriter(directory: fixture.dir + "/sft-ok", options: ShardWriterOptions(threads: 1),
                                      tokenizer: char.identity, command: "test", info: [:])
        try good.append(TokenRecord(tokens: [1, 20, 21], lossMask: [0, 1, 1]))
        _ = try good.finish()
        XCTAssertNoThrow(try RunData.check(try fixture.spec(["sft.data=\"\(fixture.dir)/sft-ok\"", "sft.steps=1"]), file: "t.json"))
        let short = try ShardSetWriter(directory: fixture.dir + "/sft-short", options: ShardWriterOptions(threads: 1),
                                       tokenizer: char.identity, command: "test", info: [:])
        try short.append(TokenRecord(tokens: [1, 20]))
        try short.append(TokenRecord(tokens: [1]))
        _ = try short.finish()
        XCTAssertThrowsError(try RunData.check(try fixture.spec(["sft.data=\"\(fixture.dir)/sft-short\"", "sft.steps=1"]), file: "t.json")) {
            XCTAssertTrue("\($0)".hasPrefix("\(fixture.dir)/sft-short: record 1: expected a warm-start record of at least 2 tokens"), "\($0)")
        }
    }
}
