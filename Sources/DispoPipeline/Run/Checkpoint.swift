// Checkpoints of a run. A checkpoint directory is complete only with its DONE marker; it is written under a
// temporary name, fsynced and renamed, so a crash at any moment leaves either no checkpoint or a complete one.
//
//     checkpoints/step-000010/      (10 learner steps done)
//         config.json, model.safetensors, tokenizer files   a Hugging Face model directory
//         optimizer.bin                                      AdamW moments and step (absent for SGD)
//         state.json                                         steps done, optimizer step, prompt cursor, spec hash,
//                                                            metrics lines so far, accuracy before RL
//         version-000009.f32 …                               older policy versions that staleness still needs
//         DONE

import DispoEngine
import DispoShards
import DispoSupport
import Foundation

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
}

public enum Checkpoints {
    public static func name(_ steps: Int) -> String { String(format: "step-%06d", steps) }

    /// Writes a checkpoint of `model` (and extra policy versions) atomically; keeps the newest `keep`.
    public static func write(directory: String, model: Transformer, optimizer: Optimizer, state: CheckpointState,
                             versions: [Int: [Float]], tokenizerFiles: [String], keep: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let final = directory + "/" + name(state.steps)
        let temporary = directory + "/.tmp-" + name(state.steps) + "-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        try model.save(directory: temporary)
        FaultInjection.point("checkpoint-write", state.steps)
        for file in tokenizerFiles {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
            try AtomicFile.write(bytes, to: temporary + "/" + URL(fileURLWithPath: file).lastPathComponent)
        }
        try optimizer.adamw?.save(path: temporary + "/optimizer.bin")
        for (v, weights) in versions { try writeVersion(weights, to: temporary + "/" + versionName(v)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(state)), to: temporary + "/state.json")
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

    public static func readState(_ checkpoint: String) throws -> CheckpointState {
        let path = checkpoint + "/state.json"
        do {
            return try JSONDecoder().decode(CheckpointState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw InputError(file: path, expected: "a checkpoint state written by dispo", found: "\(error)")
        }
    }

    static func versionName(_ v: Int) -> String { String(format: "version-%06d.f32", v) }

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

/// Fault injection for the kill-and-resume tests: `DISPO_FAULT=NAME:N` kills the process with SIGKILL when
/// it reaches point NAME with value N (e.g. `checkpoint-write:4`, halfway through writing checkpoint 4).
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
import Glibc
#endif
