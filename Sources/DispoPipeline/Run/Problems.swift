// Problems as the pipeline sees them: prompt token ids and the gold answer, read from shard records made by
// `dispo shard` (metadata `answer`, and `prompt_tokens` when the record also holds a worked response).

import DispoShards
import DispoSupport
import Foundation

public struct Problem: Sendable, Equatable {
    /// Global index of the record in its shard set.
    public var index: Int
    public var id: String
    public var prompt: [TokenID]
    public var answer: String

    /// Reads a record; throws when it has no gold answer.
    public init(record: TokenRecord, index: Int, set: String) throws {
        let object = (try? JSONSerialization.jsonObject(with: Data(record.metadata))) as? [String: Any] ?? [:]
        guard let answer = object["answer"] as? String else {
            throw InputError(file: set, place: "record \(index)", expected: "metadata with a gold \"answer\"",
                             found: record.metadataText, hint: "shard a dataset with answers (dispo shard --answer-field)")
        }
        let promptLength = (object["prompt_tokens"] as? Int) ?? record.tokens.count
        self.index = index
        self.id = object["id"] as? String ?? "\(index)"
        self.prompt = Array(record.tokens.prefix(promptLength))
        self.answer = answer
    }

    /// The first `limit` problems (all when 0) of a shard set, in order.
    public static func load(_ set: ShardSet, limit: Int = 0) throws -> [Problem] {
        let n = limit > 0 ? min(limit, set.count) : set.count
        return try (0..<n).map { try Problem(record: set.record(at: $0), index: $0, set: set.directory) }
    }
}
