// The rollout recorder: every rollout of the run (prompt and response ids, log-probs, reward, verdict,
// flags, policy version, step) written to shard sets in RUN_DIR/rollouts/, so that a collapse can be
// studied after the fact: `dispo shards cat RUN_DIR/rollouts/steps-000001-000010 --tokenizer …` prints
// them, and `dispo learn --rollouts RUN_DIR/rollouts/steps-… --step 7` replays one step's update.
//
// One shard set per segment of steps between checkpoints: written as `.segment-from-S`, finished and
// renamed to `steps-S-E` before the checkpoint of step E is written. On resume from step C every segment
// that is incomplete or ends after C is removed (those steps are sampled again, identically).

import DispoLearner
import DispoShards
import DispoSupport
import Foundation

final class RolloutRecorder: @unchecked Sendable {
    let directory: String
    let tokenizer: ShardTokenizerInfo
    /// Writes run off the learner's path, one after another; `seal()` waits for them.
    private var pending: Task<Void, any Error>?
    private var writer: ShardSetWriter?
    private var first = 0
    private var last = 0
    /// false: a data-parallel rank other than 0, which records nothing (rank 0 records every rank's rollouts).
    private let writes: Bool

    /// A recorder that writes nothing (data-parallel ranks other than 0).
    init(discardingWith tokenizer: ShardTokenizerInfo) {
        directory = ""
        self.tokenizer = tokenizer
        writes = false
    }

    init(runDir: String, tokenizer: ShardTokenizerInfo, resumingAfter steps: Int) throws {
        directory = runDir + "/rollouts"
        self.tokenizer = tokenizer
        writes = true
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for entry in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let keep = entry.hasPrefix("steps-") && (Int(entry.split(separator: "-").last ?? "") ?? Int.max) <= steps
            if !keep { try FileManager.default.removeItem(atPath: directory + "/" + entry) }
        }
    }

    /// Queues the rollouts of one step for writing (in order, on another thread).
    func enqueue(_ batch: StepBatch) {
        guard writes else { return }
        let previous = pending
        pending = Task {
            try await previous?.value
            try self.record(batch)
        }
    }

    /// Waits for queued writes, then finishes the open segment (before a checkpoint is written).
    func flushAndSeal() async throws {
        try await pending?.value
        pending = nil
        try seal()
    }

    /// Appends the rollouts of one step.
    func record(_ batch: StepBatch) throws {
        let step = batch.step + 1
        let writer: ShardSetWriter
        if let open = self.writer {
            writer = open
        } else {
            first = step
            writer = try ShardSetWriter(directory: directory + "/.segment-from-\(first)",
                                        options: ShardWriterOptions(blockBytes: 256 << 10, threads: 1, overwrite: true),
                                        tokenizer: tokenizer, command: "dispo run (rollout recorder)",
                                        info: ["content": "rollouts"])
            self.writer = writer
        }
        for (slot, group) in batch.groups.enumerated() {
            for (response, metadata) in zip(group.responses, group.recorded(step: step, slot: slot)) {
                let prompt = group.problem.prompt
                try writer.append(TokenRecord(tokens: prompt + response.tokens,
                                               lossMask: [UInt8](repeating: 0, count: prompt.count)
                                                   + [UInt8](repeating: 1, count: response.tokens.count),
                                               metadata: Array(try JSONWriter.data(metadata))))
            }
        }
        last = step
    }

    /// Finishes the open segment (before a checkpoint is written).
    func seal() throws {
        guard let w = writer else { return }
        _ = try w.finish()
        writer = nil
        let final = directory + String(format: "/steps-%06d-%06d", first, last)
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: directory + "/.segment-from-\(first)", toPath: final)
    }
}
