// Problems as the pipeline sees them: prompt token ids and the gold answer, read from shard records made by
// `dispo shard` (metadata `answer`, and `prompt_tokens` when the record also holds a worked response).
// A record that cannot be a problem — no gold answer, no prompt tokens, a token outside the model's
// vocabulary — is an error naming the shard set and the record.

import DispoShards
import DispoSupport
import Foundation

public struct Problem: Sendable, Equatable {
    /// Global index of the record in its shard set.
    public var index: Int
    public var id: String
    public var prompt: [TokenID]
    public var answer: String

    public init(index: Int, id: String, prompt: [TokenID], answer: String) {
        self.index = index
        self.id = id
        self.prompt = prompt
        self.answer = answer
    }

    /// The metadata fields a problem needs; the dataset's own fields ride along and are ignored here.
    private struct Fields: Decodable {
        var answer: String?
        var promptTokens: Int?
        var id: String?

        enum CodingKeys: String, CodingKey { case answer, promptTokens = "prompt_tokens", id }
    }

    /// Reads record `index` of the shard set at `set`. `vocabularySize`: every prompt token must be below it.
    public init(record: TokenRecord, index: Int, set: String, vocabularySize: Int? = nil) throws {
        let place = "record \(index)"
        let fields: Fields
        do {
            let node = try JSONParser.parse(record.metadataText, file: set)
            fields = try StrictJSONDecoder(allowUnknownKeys: true).decode(Fields.self, from: node, file: set)
        } catch let error as InputError {
            throw InputError(file: set, place: place, expected: "record metadata with a gold \"answer\"",
                             found: error.expected, hint: "shard the dataset again with dispo shard")
        }
        guard let answer = fields.answer else {
            throw InputError(file: set, place: place, expected: "metadata with a gold \"answer\"",
                             found: InputError.excerpt(record.metadataText), hint: "shard a dataset with answers (dispo shard --answer-field)")
        }
        let promptLength = fields.promptTokens ?? record.tokens.count
        guard promptLength >= 1, promptLength <= record.tokens.count else {
            throw InputError(file: set, place: place, expected: "a prompt of at least one token",
                             found: promptLength == 0 || record.tokens.isEmpty ? "an empty prompt"
                                 : "prompt_tokens \(promptLength) of a \(record.tokens.count)-token record",
                             hint: "remove empty problems from the dataset and shard it again")
        }
        let prompt = Array(record.tokens.prefix(promptLength))
        if let vocabularySize, let bad = prompt.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw InputError(file: set, place: place, expected: "token ids below the model's vocabulary size \(vocabularySize)",
                             found: "token \(bad)", hint: "the shard set was made with another tokenizer: shard it with the model's")
        }
        self.index = index
        self.id = fields.id ?? "\(index)"
        self.prompt = prompt
        self.answer = answer
    }

    /// The first `limit` problems (all when 0) of a shard set, in order.
    public static func load(_ set: ShardSet, limit: Int = 0, vocabularySize: Int? = nil) throws -> [Problem] {
        let n = limit > 0 ? min(limit, set.count) : set.count
        return try (0..<n).map {
            try Problem(record: set.record(at: $0), index: $0, set: set.directory, vocabularySize: vocabularySize)
        }
    }
}
