// Per-problem evaluation results as JSON lines: what `dispo eval --out` writes and what a run writes beside
// each evaluation (`RUN_DIR/eval-<label>.jsonl`), so any two runs can be compared problem by problem. One line
// per problem (keys sorted): id, index in the shard set, gold answer, prompt, the number of correct samples,
// each sample's text, extracted answer, verdict, reason, reward, token count, finish reason and repetition
// flag, and the greedy response when there is one.

import DispoSupport
import DispoTokenizers

/// One response in the per-problem JSONL.
public struct EvalSampleLine: Codable, Sendable, Equatable {
    public var text: String
    public var extracted: String?
    public var correct: Bool
    public var reason: String
    public var reward: Double
    /// Generated tokens, the stop token included.
    public var tokens: Int
    /// `stop` (a stop token ended it) or `length` (max_new_tokens reached).
    public var finish: String
    /// The repetition detector flagged it (absent in files written before the flag existed).
    public var repetitive: Bool?

    enum CodingKeys: String, CodingKey { case text, extracted, correct, reason, reward, tokens, finish, repetitive }

    public init(text: String, extracted: String?, correct: Bool, reason: String, reward: Double, tokens: Int, finish: String,
                repetitive: Bool?) {
        self.text = text
        self.extracted = extracted
        self.correct = correct
        self.reason = reason
        self.reward = reward
        self.tokens = tokens
        self.finish = finish
        self.repetitive = repetitive
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(extracted, forKey: .extracted)      // null when no answer was found
        try c.encode(correct, forKey: .correct)
        try c.encode(reason, forKey: .reason)
        try c.encode(reward, forKey: .reward)
        try c.encode(tokens, forKey: .tokens)
        try c.encode(finish, forKey: .finish)
        try c.encodeIfPresent(repetitive, forKey: .repetitive)
    }

    /// A scored response as a line entry; the stop token is left out of the text.
    public init(_ r: ScoredResponse, tokenizer: any Tokenizer) {
        let body = r.stopped ? Array(r.tokens.dropLast()) : r.tokens
        self.init(text: (try? tokenizer.decode(body, skipSpecialTokens: true)) ?? "", extracted: r.score.verdict.extracted,
                  correct: r.score.verdict.correct, reason: r.score.verdict.reason, reward: r.score.reward,
                  tokens: r.tokens.count, finish: r.stopped ? "stop" : "length", repetitive: r.score.repetition.isRepetitive)
    }
}

/// One problem in the per-problem JSONL.
public struct EvalProblemLine: Codable, Sendable, Equatable {
    public var id: String
    /// The record's index in the shard set.
    public var index: Int
    public var answer: String
    public var prompt: String
    /// Correct samples.
    public var correct: Int
    public var samples: [EvalSampleLine]
    public var greedy: EvalSampleLine?

    public init(_ record: EvalRecord, tokenizer: any Tokenizer) {
        let p = record.problem
        id = p.id
        index = p.index
        answer = p.answer
        prompt = (try? tokenizer.decode(p.prompt, skipSpecialTokens: false)) ?? ""
        correct = record.responses.filter { $0.score.verdict.correct }.count
        samples = record.responses.map { EvalSampleLine($0, tokenizer: tokenizer) }
        greedy = record.greedy.map { EvalSampleLine($0, tokenizer: tokenizer) }
    }

    /// The JSON line (keys sorted, no newline).
    public func jsonLine() throws -> String { try JSONWriter.encode(self) }

    /// Reads a per-problem JSONL file (strictly; errors name the file and line).
    public static func read(_ path: String) throws -> [EvalProblemLine] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [EvalProblemLine] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let node = try JSONParser.parse(String(line), file: path, firstLine: i + 1)
            lines.append(try StrictJSONDecoder().decode(EvalProblemLine.self, from: node, file: path))
        }
        return lines
    }
}

import Foundation
