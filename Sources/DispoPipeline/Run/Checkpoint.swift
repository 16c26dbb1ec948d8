// Checkpoints of a run. A checkpoint directory is complete only with its DONE marker; it is written under a
// temporary name, fsynced and renamed, so a crash at any moment leaves either no checkpoint or a complete one.
//
//     checkpoints/step-000010/      (10 learner steps done)
//         config.json, model.safetensors, tokenizer files   a Hugging Face model directory
//         optimizer.bin                                      AdamW moments and step (absent for SGD)
//         state.json                                         steps done, optimizer step, prompt cursor, spec hash,
//                                                            metrics lines so far, accuracy before RL,
//                                                            the clip schedule's ε, collapse streaks
//         version-000009.f32 …                               older policy versions that staleness still needs
//         version-000009.decode                              or the sampler's packed weights of that version
//                                                            (rollout.sampler_weights packed-*: DecodeWeights.save)
//         checksums.json                                     size and XXH64 of every file above
//         DONE
//
// Resume verifies every file against checksums.json before reading it, so a flipped byte anywhere is an
// error naming the file, never a silently different run.

import DispoEngine
import DispoLearner
import DispoLosses
import DispoShards
import DispoSupport
import Foundation
import Glibc
public struct CheckpointState: Codable, Sendable, Equatable {
    /// Learner steps done (the model is policy version `steps`).
    public var steps: Int
    public var optimizerStep: Int
    /// Where the prompt cursor stands after the last step's prompts.
    public var cursor: ShardCursor
    public var specHash: String
    /// Lines of metrics.jsonl that belong to the steps done.
    public var metricsLines: Int
    public var accuracyBefore: Double?
    /// Policy versions stored beside the model.
    public var versions: [Int]
    /// The adaptive clipping schedule's ε for the next step (absent without a schedule).
    public var clipEpsilons: RegimeEpsilons?
    /// Collapse detection's streaks and its finding (absent in checkpoints written before it existed).
    public var collapse: CollapseDetector?
    /// Ranks of the data-parallel run that wrote it (absent for one process). Any rank count may resume.
    public var ranks: Int?
}
public enum Checkpoints {
    public static func name(_ steps: Int) -> String { String(format: "step-%06d", steps) }
    /// Writes a checkpoint of `model` (and extra policy versions) atomically; keeps the newest `keep`.
    public static func write(directory: String, model: Transformer, optimizer: Optimizer, state: CheckpointState,
                             versions: [Int: [Float]], samplerWeights: (version: Int, weights: DecodeWeights)? = nil,
                             tokenizerFiles: [String], keep: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name(state.steps)
        let temporary = directory + "/.tmp-" + name(state.steps) + "-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try model.save(directory: temporary)
        FaultInjection.point("checkpoint-write", state.steps)
        try CompanionFiles.copy(tokenizerFiles, into: temporary)
        try optimizer.adamw?.save(path: temporary + "/optimizer.bin")
        for (v, weights) in versions { try writeVersion(weights, to: temporary + "/" + versionName(v)) }
        if let samplerWeights { try samplerWeights.weights.save(path: temporary + "/" + decodeVersionName(samplerWeights.version)) }
        try AtomicFile.write(Array(try JSONWriter.data(state, pretty: true)), to: temporary + "/state.json")
        try AtomicFile.write(Array(try JSONWriter.data(checksums(of: temporary), pretty: true)), to: temporary + "/checksums.json")
        try AtomicFile.write("complete\n", to: temporary + "/DONE")
        try? FileManager.default.removeItem(atPath: final)
        guard rename(temporary, final) == 0 else { throw SystemError(file: final, operation: "rename", code: errno) }
        AtomicFile.syncDirectory(of: final)
        let complete = try list(directory)
        for old in complete.dropLast(keep) { try? FileManager.default.removeItem(atPath: directory + "/" + name(old)) }
    }
    /// Step counts of the complete checkpoints, oldest first. Incomplete ones (no DONE) are removed.
    public static func list(_ directory: String) throws -> [Int] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var steps: [Int] = []
        for entry in entries {
            if entry.hasPrefix(".tmp-") { try? FileManager.default.removeItem(atPath: directory + "/" + entry); continue }
            guard entry.hasPrefix("step-"), let n = Int(entry.dropFirst(5)) else { continue }
            if FileManager.default.fileExists(atPath: directory + "/" + entry + "/DONE") { steps.append(n) }
        }
        return steps.sorted()
    }
    /// The state of a checkpoint, checked: counts ≥ 0, at most `maxSteps` steps, versions below the steps.
    public static func readState(_ checkpoint: String, maxSteps: Int? = nil) throws -> CheckpointState {
        let path = checkpoint + "/state.json"
        let state = try StrictJSONDecoder().decode(CheckpointState.self, fromFile: path)
        func check(_ ok: Bool, _ place: String, _ expected: String, _ found: String) throws {
            if !ok { throw InputError(file: path, place: place, expected: expected, found: found, hint: "the checkpoint is corrupt") }
        }
        try check(state.steps >= 0 && state.steps <= (maxSteps ?? Int.max), "$.steps",
                  "a step count in [0, \(maxSteps.map(String.init) ?? "∞")]", "\(state.steps)")
        try check(state.optimizerStep >= 0, "$.optimizerStep", "a count ≥ 0", "\(state.optimizerStep)")
        try check(state.metricsLines >= 0 && state.metricsLines <= state.steps, "$.metricsLines",
                  "a line count in [0, \(state.steps)]", "\(state.metricsLines)")
        try check(state.cursor.epoch >= 0 && state.cursor.position >= 0, "$.cursor", "an epoch and position ≥ 0",
                  "epoch \(state.cursor.epoch), position \(state.cursor.position)")
        try check(state.versions.allSatisfy { $0 >= 0 && $0 < state.steps }, "$.versions",
                  "policy versions in [0, \(state.steps))", "\(state.versions)")
        return state
    }

    /// Size and XXH64 of every file of a checkpoint directory (but DONE and checksums.json).
    struct FileChecksum: Codable, Equatable {
        var bytes: Int
        var xxh64: String
    }

    static func checksums(of directory: String) throws -> [String: FileChecksum] {
        var sums: [String: FileChecksum] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "DONE" && name != "checksums.json" {
            sums[name] = try checksum(ofFile: directory + "/" + name)
        }
        return sums
    }

    /// Size and XXH64 of one file, read in 16 MiB pieces: a checkpoint of a large model (6 GB of weights, as
    /// much again of optimizer state) is hashed without mapping it into the process.
    static func checksum(ofFile path: String) throws -> FileChecksum {
        try MemoryBudget.requireRegularFile(path, what: "a checkpoint file")
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SystemError(file: path, operation: "open", code: errno) }
        defer { close(fd) }
        var stream = XXH64.Stream()
        var buffer = [UInt8](repeating: 0, count: 1 << 24)
        var total = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError(file: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { stream.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            total += n
        }
        return FileChecksum(bytes: total, xxh64: XXH64.hex(stream.digest()))
    }

    /// Checks every file of a checkpoint against its checksums.json.
    public static func verify(_ checkpoint: String) throws {
        let path = checkpoint + "/checksums.json"
        let expected = try StrictJSONDecoder().decode([String: FileChecksum].self, fromFile: path)
        let found = try checksums(of: checkpoint)
        for (name, sum) in expected.sorted(by: { $0.key < $1.key }) {
            guard let actual = found[name] else {
                throw InputError(file: checkpoint + "/" + name, expected: "the file checksums.json lists", found: "no such file",
                                 hint: "the checkpoint is incomplete; remove it to resume from an older one")
            }
            guard actual == sum else {
                throw InputError(file: checkpoint + "/" + name, expected: "\(sum.bytes) bytes with XXH64 \(sum.xxh64) (checksums.json)",
                                 found: "\(actual.bytes) bytes with XXH64 \(actual.xxh64)",
                                 hint: "the checkpoint is corrupt; remove it to resume from an older one")
            }
        }
        if let extra = Set(found.keys).subtracting(expected.keys).sorted().first {
            throw InputError(file: checkpoint + "/" + extra, expected: "only the files checksums.json lists", found: "an extra file")
        }
    }

    static func versionName(_ v: Int) -> String { String(format: "version-%06d.f32", v) }
    static func decodeVersionName(_ v: Int) -> String { String(format: "version-%06d.decode", v) }
    /// Raw little-endian f32 weights followed by their XXH64.
    static func writeVersion(_ weights: [Float], to path: String) throws {
        let file = try AtomicFile(path: path)
        try weights.withUnsafeBytes { try file.write($0) }
        var hash = weights.withUnsafeBytes { XXH64.hash($0) }.littleEndian
        try withUnsafeBytes(of: &hash) { try file.write($0) }
        try file.commit()
    }
    public static func readVersion(_ checkpoint: String, _ v: Int, count: Int) throws -> [Float] {
        let path = checkpoint + "/" + versionName(v)
        let mapped = try MappedFile(path: path)
        guard mapped.count == count * 4 + 8 else {
            throw InputError(file: path, expected: "\(count * 4 + 8) bytes (\(count) weights and a checksum)", found: "\(mapped.count) bytes")
        }
        let weights = Array(mapped.bytes[0..<(count * 4)].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        let stored = UInt64(littleEndian: mapped.bytes.loadUnaligned(fromByteOffset: count * 4, as: UInt64.self))
        guard weights.withUnsafeBytes({ XXH64.hash($0) }) == stored else {
            throw InputError(file: path, expected: "weights matching their XXH64 checksum", found: "a mismatch", hint: "the checkpoint is corrupt")
        }
        return weights
    }
}
/// Fault injection for the failure tests: `DISPO_FAULT=NAME:N` kills the process with SIGKILL when it reaches
/// point NAME with value N (e.g. `checkpoint-write:4`, halfway through writing checkpoint 4); other faults are
/// named where they act: `sigint:N` (the run signals itself after step N), `sampler-stall:N` (the sampler
/// stops before step N's batches), `verifier-error:N` (the verifier fails on step N's batches).
public enum FaultInjection {
    static let spec: (String, Int)? = {
        guard let text = ProcessInfo.processInfo.environment["DISPO_FAULT"] else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        return (String(parts[0]), n)
    }()
    public static func point(_ name: String, _ value: Int) {
        if matches(name, value) { kill(getpid(), SIGKILL) }
    }
    /// Whether DISPO_FAULT names this point (for faults other than SIGKILL, e.g. `sigint:N`).
    public static func matches(_ name: String, _ value: Int) -> Bool {
        if let (n, v) = spec, n == name, v == value { return true }
        return false
    }
}
#if canImport(Glibc)
#endif
