// What a tokenizer is: recorded in every shard manifest and checked when shards are decoded, so tokens are
// never read back with a different tokenizer by accident. Made by DispoTokenizers, stored by DispoShards.

public struct TokenizerIdentity: Codable, Sendable, Equatable {
    /// The directory or file name it was loaded from, e.g. "qwen2.5-0.5b".
    public var name: String
    /// "byte-level-bpe", "char", …
    public var kind: String
    /// XXH64 (hex) over the defining files in a fixed order (see DispoTokenizers.TokenizerLoader).
    public var hash: String
    /// Number of ids, including added tokens.
    public var vocabularySize: Int

    public init(name: String, kind: String, hash: String, vocabularySize: Int) {
        self.name = name
        self.kind = kind
        self.hash = hash
        self.vocabularySize = vocabularySize
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, hash
        case vocabularySize = "vocabulary_size"
    }
}
