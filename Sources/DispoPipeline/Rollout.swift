// A rollout: one sampled response to one prompt, with what the learner needs to train on it. The pipeline's
// sampler and verifier produce them; `dispo learn` reads them from JSONL, one per line:
//
//     {"prompt_ids": [..], "response_ids": [..], "old_logprobs": [..], "reward": 1.0, "group": 7,
//      "correct": true, "truncated": false}
//
// `old_logprobs` has one value per response token (log π_old under the sampling temperature); responses
// with the same `group` (a number or string) share an advantage baseline. `correct` defaults to reward > 0;
// `truncated` (hit the length limit without EOS) defaults to false.

import DispoShards
import DispoSupport
import Foundation

public struct Rollout: Sendable, Equatable {
    public var promptIDs: [TokenID]
    public var responseIDs: [TokenID]
    public var oldLogProbs: [Float]
    public var reward: Double
    public var group: String
    public var correct: Bool
    public var truncated: Bool

    public init(promptIDs: [TokenID], responseIDs: [TokenID], oldLogProbs: [Float], reward: Double, group: String,
                correct: Bool? = nil, truncated: Bool = false) {
        self.promptIDs = promptIDs
        self.responseIDs = responseIDs
        self.oldLogProbs = oldLogProbs
        self.reward = reward
        self.group = group
        self.correct = correct ?? (reward > 0)
        self.truncated = truncated
    }
}

public enum RolloutFile {
    /// Reads every rollout of a JSONL file, or of a shard set written by the pipeline's rollout recorder
    /// (optionally only those of learner step `step`); an invalid line or record is an error naming the
    /// file and the line or record.
    public static func read(_ path: String, vocabularySize: Int? = nil, step: Int? = nil) throws -> [Rollout] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return try readShards(path, step: step)
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

    /// Rollouts recorded as shards: tokens = prompt + response, metadata with `prompt_tokens`, `old_logprobs`,
    /// `reward`, `group`, `correct`, `masked`, `step`.
    static func readShards(_ directory: String, step: Int?) throws -> [Rollout] {
        let set = try ShardSet(directory: directory)
        var rollouts: [Rollout] = []
        try set.scan { index, record in
            func fail(_ expected: String) -> InputError {
                InputError(file: directory, place: "record \(index)", expected: expected, found: record.metadataText,
                           hint: "not a rollout shard set written by dispo run")
            }
            guard let m = try? JSONSerialization.jsonObject(with: Data(record.metadata)) as? [String: Any],
                  let p = m["prompt_tokens"] as? Int, let old = m["old_logprobs"] as? [Double],
                  let reward = (m["reward"] as? NSNumber)?.doubleValue, let group = m["group"] as? String,
                  let recordStep = m["step"] as? Int, p >= 1, p + old.count == record.tokens.count else {
                throw fail("rollout metadata (prompt_tokens, old_logprobs, reward, group, step) matching the tokens")
            }
            guard step == nil || step == recordStep else { return }
            rollouts.append(Rollout(promptIDs: Array(record.tokens[..<p]), responseIDs: Array(record.tokens[p...]),
                                    oldLogProbs: old.map { Float($0) }, reward: reward, group: group,
                                    correct: m["correct"] as? Bool, truncated: m["masked"] as? Bool ?? false))
        }
        guard !rollouts.isEmpty else {
            throw InputError(file: directory, expected: step.map { "rollouts of step \($0)" } ?? "at least one rollout", found: "none")
        }
        return rollouts
    }

    static func rollout(from reader: JSONReader, vocabularySize: Int?) throws -> Rollout {
        let o = try reader.object()
        let maxID = (vocabularySize ?? Int(Int32.max)) - 1
        func ids(_ key: String) throws -> [TokenID] {
            try o.required(key, "an array of token ids").array().map { TokenID(try $0.int(0...maxID, "a token id in [0, \(maxID)]")) }
        }
        let prompt = try ids("prompt_ids")
        let response = try ids("response_ids")
        let logprobsReader = try o.required("old_logprobs", "one log-probability per response token")
        let logprobs = try logprobsReader.array().map { Float(try $0.double(-1e30...0, "a log-probability (≤ 0)")) }
        guard logprobs.count == response.count else {
            throw logprobsReader.error("\(response.count) values (one per response token)", found: "\(logprobs.count) values")
        }
        guard !response.isEmpty else { throw try o.required("response_ids").error("a non-empty response") }
        let reward = try o.required("reward", "a number").double()
        let groupReader = try o.required("group", "a number or string shared by the responses to one prompt")
        let group: String
        switch groupReader.node.value {
        case .string(let s): group = s
        case .number(_, let text): group = text
        default: throw groupReader.error("a number or string")
        }
        let correct = try o.optional("correct")?.bool()
        let truncated = try o.optional("truncated")?.bool() ?? false
        _ = o.optional("metadata")
        try o.finish()
        return Rollout(promptIDs: prompt, responseIDs: response, oldLogProbs: logprobs, reward: reward, group: group,
                       correct: correct, truncated: truncated)
    }

    /// One JSONL line for `rollout` (the format `read` accepts).
    public static func line(_ r: Rollout) -> String {
        func list<T>(_ xs: [T]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ",") + "]" }
        let group = Int(r.group).map(String.init) ?? "\"\(r.group.replacingOccurrences(of: "\"", with: "\\\""))\""
        return "{\"prompt_ids\":\(list(r.promptIDs)),\"response_ids\":\(list(r.responseIDs)),"
            + "\"old_logprobs\":\(list(r.oldLogProbs)),\"reward\":\(r.reward),\"group\":\(group),"
            + "\"correct\":\(r.correct),\"truncated\":\(r.truncated)}"
    }
}
