// The public face of DispoTokenizers: the `Tokenizer` protocol every tokenizer kind implements, and the
// identity (name, kind, hash of the defining files, vocabulary size) that shards and runs record so a
// dataset tokenized with one tokenizer is never read with another.

import DispoSupport

/// A text ↔ token-id mapping. Implementations are immutable after loading and safe to share between tasks.
public protocol Tokenizer: Sendable {
    /// Largest id + 1, added tokens included.
    var vocabularySize: Int { get }
    var identity: TokenizerIdentity { get }
    /// The end-of-sequence token (`eos_token` of tokenizer_config.json, `<eos>` for the char tokenizer), when known.
    var eosTokenID: TokenID? { get }
    /// Same as Hugging Face `tokenizer.encode(text, add_special_tokens=False)`: special tokens written in the
    /// text (e.g. `<|im_start|>`) are matched and become their ids.
    func encode(_ text: String) -> [TokenID]
    /// With `addSpecialTokens` the post-processor's tokens are added (e.g. Llama-3's `<|begin_of_text|>`).
    func encode(_ text: String, addSpecialTokens: Bool) -> [TokenID]
    /// Text of `ids`; invalid UTF-8 byte sequences become U+FFFD as in Hugging Face. Throws `InputError` for an
    /// id outside the vocabulary.
    func decode(_ ids: [TokenID], skipSpecialTokens: Bool) throws -> String
    /// The id of a vocabulary or added token, spelled as in the vocabulary (byte-level form, e.g. "Ġthe").
    func tokenID(for token: String) -> TokenID?
    /// The vocabulary or added token of `id`, nil when out of range.
    func token(for id: TokenID) -> String?
    /// How many characters of `text` have no token of their own (a char vocabulary's `<unk>`, or dropped):
    /// 0 for byte-level tokenizers, which can spell every text.
    func unknownCharacters(in text: String) -> Int
}

extension Tokenizer {
    public func unknownCharacters(in text: String) -> Int { 0 }

    public func encode(_ text: String) -> [TokenID] { encode(text, addSpecialTokens: false) }
    public func decode(_ ids: [TokenID]) throws -> String { try decode(ids, skipSpecialTokens: false) }
}

