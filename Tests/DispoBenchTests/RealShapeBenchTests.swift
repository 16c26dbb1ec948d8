// The pieces of `dispo bench engine --shape`: whole-process runs (exit status, output, peak RSS), the inputs it
// writes for both sides, the decode-step bound and the in-process training step.
@testable import DispoBench
import DispoEngine
import DispoSupport
import Foundation
import XCTest

final class RealShapeBenchTests: XCTestCase {
    func test_child_process_reports_status_output_and_its_own_peak_memory() throws {
        let r = try ChildProcess.run(["/bin/sh", "-c", "echo warming; echo '{\"x\": 2.5}'; echo oops >&2; exit 3"])
        XCTAssertEqual(r.status, 3)
        XCTAssertEqual(r.stderr, "oops\n")
        XCTAssertEqual(RealShapeBench.number(r.json, "x"), 2.5, "the last JSON line of standard output")
        XCTAssertGreaterThan(r.peakBytes, 0)
        XCTAssertLessThan(r.peakBytes, 1 << 30, "the child's own peak, not this process's")
        let killed = try ChildProcess.run(["/bin/sh", "-c", "kill -9 $$"])
        XCTAssertEqual(killed.status, 128 + 9)
        let quiet = try ChildProcess.run(["/bin/sh", "-c", "echo a lot; echo said >&2"], keepOutput: false)
        XCTAssertEqual(quiet.status, 0)
        XCTAssertEqual(quiet.stdout, "", "standard output went to /dev/null")
        XCTAssertEqual(quiet.stderr, "said\n")
        XCTAssertThrowsError(try ChildProcess.run(["/nonexistent/program"]))
    }

    func test_in_process_step_reports_each_phase_and_a_loss_near_ln_v() throws {
        // Given a small random model (the real shapes run the same code)
        let config = ModelConfig(modelType: "qwen2", vocabSize: 64, hiddenSize: 16, intermediateSize: 32, numHiddenLayers: 2,
                                 numAttentionHeads: 2, numKeyValueHeads: 1, tieWordEmbeddings: true)
        var lines: [String] = []
        // When one step runs on 2 × 8 tokens
        let loss = try XCTUnwrap(RealShapeBench.step(config: config, name: "tiny", batch: 2, length: 8, threads: 1) { lines.append($0) })
        // Then the loss of a random model is close to ln V and every phase is reported
        XCTAssertEqual(loss, log(64), accuracy: 0.5)
        XCTAssertEqual(lines.count, 2, "\(lines)")
        for part in ["init", "forward", "backward", "clip + AdamW", "tokens per CPU-second", "peak RSS"] {
            XCTAssertTrue(lines[1].contains(part), "\(part) in \(lines[1])")
        }
    }

    func test_prompts_and_rollouts_are_what_both_sides_read() throws {
        let dir = NSTemporaryDirectory() + "dispo-shape-bench-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try RealShapeBench.writePrompts(dir + "/p.jsonl", batch: 3, length: 5, vocab: 100, seed: 1)
        let prompts = try SampleChild.readPrompts(dir + "/p.jsonl")
        XCTAssertEqual(prompts.count, 3)
        XCTAssertTrue(prompts.allSatisfy { $0.count == 5 && $0.allSatisfy { $0 >= 0 && $0 < 100 } })
        try RealShapeBench.writeRollouts(dir + "/r.jsonl", count: 8, prompt: 4, response: 6, vocab: 1000)
        let lines = try String(contentsOfFile: dir + "/r.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 8)
        var rewards: [String: Set<Double>] = [:]
        for line in lines {
            let o = try JSONReader(node: JSONParser.parse(String(line), file: "r"), file: "r").object()
            XCTAssertEqual(try o.required("prompt_ids").array().count, 4)
            XCTAssertEqual(try o.required("response_ids").array().count, 6)
            let old = try o.required("old_logprobs").array().map { try $0.double() }
            XCTAssertTrue(old.allSatisfy { abs($0 + log(1000)) <= 1.0001 }, "near −ln V")
            rewards[try o.required("group").string(), default: []].insert(try o.required("reward").double())
        }
        XCTAssertEqual(rewards.count, 2)
        XCTAssertTrue(rewards.values.allSatisfy { $0.count == 2 }, "every group has mixed rewards (non-zero advantages)")
    }

    func test_decode_step_bound_is_the_slower_of_streaming_and_computing() {
        let limits = MachineLimits(bandwidth: 30e9, sgemm: 200e9, packed: 50e9)
        let c = RealShape.qwen05.config
        let matrices = Double(24 * (1152 * 896 + 896 * 896 + 3 * 4864 * 896) + 151_936 * 896)
        let one = limits.decodeStepBound(c, batch: 1, context: 100, weightBytes: 4)
        XCTAssertTrue(one.memoryBound)
        XCTAssertEqual(one.bytes, matrices * 4 + Double(2 * 24 * 128 * 100 * 4), accuracy: 1)
        XCTAssertEqual(one.seconds, one.bytes / 30e9, accuracy: 1e-12)
        let many = limits.decodeStepBound(c, batch: 64, context: 100, weightBytes: 2)
        XCTAssertFalse(many.memoryBound)
        XCTAssertEqual(many.seconds, many.flops / 200e9, accuracy: 1e-12)
        XCTAssertEqual(c.checkedParameterCount, 494_032_768, "the Qwen2.5-0.5B parameter count")
        XCTAssertEqual(RealShape.qwen15.config.checkedParameterCount, 1_543_714_304)
    }
}
