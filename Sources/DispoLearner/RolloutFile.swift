// Reading and writing rollouts outside a run. Two sources:
//
// - JSONL, one rollout per line:
//       {"prompt_ids": [..], "response_ids": [..], "old_logprobs": [..], "reward": 1.0, "group": 7,
//        "correct": true, "truncated": false, "masked": false, "version": 3}
//   `old_logprobs` has one value per response token; responses with the same `group` (a number or string)
//   share an advantage baseline; `correct` defaults to reward > 0, `truncated` and `masked` to false,
//   `version` to unknown; a `metadata` member is allowed and ignored.
// - a run's rollout shards (RUN_DIR/rollouts/steps-A-B), whose records carry RecordedRollout metadata.
//
// An invalid line or record is an error naming the file and the line or record.

import DispoShards
import DispoSupport
import Foundation

public enum RolloutFile {
    /// Every rollout of a JSONL file, or of a rollout shard set (optionally only those of learner step `step`).
    public static func read(_ path: String, vocabularySize: Int? = nil, step: Int? = nil) throws -> [Rollout] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let rollouts = try readRecorded(path, step: step).map { $0.metadata.rollout(tokens: $0.tokens) }
            guard !rollouts.isEmpty else {
                throw InputError(file: path, expected: step.map { "rollouts of step \($0)" } ?? "at least one rollout", found: "none")
            }
            return rollouts
        }
        guard step == nil else {
            throw InputError(file: path, expected: "a rollout shard set (RUN_DIR/rollouts/steps-…) when a step is given",
                             found: "a file")
        }
        let file = try MappedFile(path: path)
        var rollouts: [Rollout] = []
        var lineNumber = 0
        for line in file.bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            guard let text = String(validating: line, as: UTF8.self) else {
                throw InputError(file: path, place: "line \(lineNumber)", expected: "UTF-8 text", found: "invalid bytes")
            }
            let reader = JSONReader(node: try JSONParser.parse(text, file: path, firstLine: lineNumber), file: path)
            rollouts.append(try rollout(from: reader, vocabularySize: vocabularySize))
        }
        guard !rollouts.isEmpty else { throw InputError(file: path, expected: "at least one rollout line", found: "none") }
        return rollouts
    }

    /// The records of a rollout shard set with their metadata, in record order (optionally of one step).
    public static func readRecorded(_ directory: String, step: Int? = nil) throws -> [(tokens: [TokenID], metadata: RecordedRollout)] {
        let set = try ShardSet(directory: directory)
        var records: [(tokens: [TokenID], metadata: RecordedRollout)] = []
        try set.scan { index, record in
            let place = "\(directory) record \(index) metadata"
            let node = try JSONParser.parse(record.metadataText, file: place)
            let m = try StrictJSONDecoder().decode(RecordedRollout.self, from: node, file: place)
            guard m.promptTokens >= 1, m.promptTokens + m.oldLogprobs.count == record.tokens.count else {
                throw InputError(file: directory, place: "record \(index)",
                                 expected: "prompt_tokens ≥ 1 and prompt_tokens + one old log-prob per response token = "
                                     + "\(record.tokens.count) tokens",
                                 found: "prompt_tokens \(m.promptTokens), \(m.oldLogprobs.count) log-probs",
                                 hint: "not a rollout shard set written by dispo run")
            }
            if step == nil || step == m.step { records.append((record.tokens, m)) }
        }
        return records
    }

    static func rollout(from reader: JSONReader, vocabularySize: Int?) throws -> Rollout {
        let o = try reader.object()
        let maxID = (vocabularySize ?? Int(Int32.max)) - 1
        func ids(_ key: String) throws -> [TokenID] {
            try o.required(key, "an array of token ids").array().map { TokenID(try $0.int(0...maxID, "a token id in [0, \(maxID)]")) }
        }
        let prompt = try ids("prompt_ids")
        guard !prompt.isEmpty else { throw try o.required("prompt_ids").error("a non-empty prompt") }
        let response = try ids("response_ids")
        let logprobsReader = try o.required("old_logprobs", "one log-probability per response token")
        let logprobs = try logprobsReader.array().map { Float(try $0.double(-1e30...0, "a log-probability (≤ 0)")) }
        guard logprobs.count == response.count else {
            throw logprobsReader.error("\(response.count) values (one per response token)", found: "\(logprobs.count) values")
        }
        guard !response.isEmpty else { throw try o.required("response_ids").error("a non-empty response") }
        let reward = try o.required("reward", "a number").double(-1e30...1e30, "a finite number")
        let groupReader = try o.required("group", "a number or string shared by the responses to one prompt")
        let group: String
        switch groupReader.node.value {
        case .string(let s): group = s
        case .number(_, let text): group = text
        default: throw groupReader.error("a number or string")
        }
        let correct = try o.optional("correct")?.bool()
        let truncated = try o.optional("truncated")?.bool() ?? false
        let masked = try o.optional("masked")?.bool() ?? false
        let version = try o.optional("version").flatMap { $0.isNull ? nil : try $0.int(0...Int(Int32.max), "a policy version ≥ 0") }
        _ = o.optional("metadata")
        try o.finish()
        return Rollout(promptIDs: prompt, responseIDs: response, oldLogProbs: logprobs, reward: reward, group: .label(group),
                       correct: correct, truncated: truncated, masked: masked, version: version)
    }

    /// One JSONL line for `rollout` (the format `read` accepts; the group as its text).
    public static func line(_ rollout: Rollout) throws -> String {
        try JSONWriter.encode(Line(rollout))
    }

    private struct Line: Encodable {
        var promptIDs: [TokenID], responseIDs: [TokenID], oldLogprobs: [Float], reward: Double, group: String
        var correct: Bool, truncated: Bool, masked: Bool, version: Int?

        init(_ r: Rollout) {
            promptIDs = r.promptIDs; responseIDs = r.responseIDs; oldLogprobs = r.oldLogProbs; reward = r.reward
            group = r.group.description; correct = r.correct; truncated = r.truncated; masked = r.masked; version = r.version
        }

        enum CodingKeys: String, CodingKey {
            case promptIDs = "prompt_ids", responseIDs = "response_ids", oldLogprobs = "old_logprobs", reward, group
            case correct, truncated, masked, version
        }
    }
}
