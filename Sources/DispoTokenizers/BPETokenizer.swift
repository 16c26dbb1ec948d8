// The byte-level BPE tokenizer, composed from its stages in the order Hugging Face runs them:
//   added tokens (raw text) → normalizer → added tokens (normalized) → pre-tokenizer → BPE model → post-processor
// and back: ids → decoder. Each stage lives in its own file; an absent stage is the identity. Both loaders
// (tokenizer.json and the vocab.json + merges.txt files) end in `BPETokenizer.init(parts:)`.

import DispoSupport
import Foundation

/// Everything a loader reads, in file terms, before tables are built.
struct BPEParts {
    var file: String
    var vocabulary: [String: TokenID]
    var merges: [(left: String, right: String)]
    /// Where merge `i` is, for error messages (e.g. "$.model.merges[i]" or "line i+2").
    var mergePlace: (Int) -> String
    var addedTokens: [AddedToken]
    var normalizer: Normalizer?
    var preTokenizer: PreTokenizer?
    var decoder: TokenDecoder
    var postProcessor: PostProcessor
    var ignoreMerges: Bool
    var eosToken: String?
}

/// Per-call scratch: the word cache and reusable buffers. Borrowed from the tokenizer's pool for one call.
final class EncodeState {
    let cache = WordCache()
    let buffers = ScanBuffers()
    var symbols: [TokenID] = []
    var pairs: [UInt64] = []
    var pieces = Pieces()
    var segments: [Segment] = []
}

/// A few `EncodeState`s shared by concurrent callers; each call takes one and gives it back.
final class EncodeStatePool: @unchecked Sendable {  // all access under `lock`
    private let lock = NSLock()
    private var free: [EncodeState] = []

    func take() -> EncodeState {
        lock.lock()
        defer { lock.unlock() }
        return free.popLast() ?? EncodeState()
    }

    func give(_ state: EncodeState) {
        lock.lock()
        defer { lock.unlock() }
        if free.count < 16 { free.append(state) }
    }
}

struct BPETokenizer: Tokenizer {
    let identity: TokenizerIdentity
    let eosTokenID: TokenID?
    var vocabularySize: Int { identity.vocabularySize }

    private let rawAdded: AddedTokenMatcher
    private let normalizedAdded: AddedTokenMatcher
    private let normalizer: Normalizer?
    private let preTokenizer: PreTokenizer?
    private let model: BPEModel
    private let decoder: TokenDecoder
    private let decodeTable: DecodeTable
    private let postProcessor: PostProcessor
    private let tokenToID: [String: TokenID]
    private let idToToken: [String?]
    private let pool = EncodeStatePool()

    init(parts: BPEParts, name: String, hash: String) throws {
        var tokenToID = parts.vocabulary
        var maxID: TokenID = -1
        for (_, id) in parts.vocabulary { maxID = max(maxID, id) }
        for token in parts.addedTokens {
            tokenToID[token.content] = token.id
            maxID = max(maxID, token.id)
        }
        let size = Int(maxID) + 1
        var idToToken = [String?](repeating: nil, count: size)
        for (token, id) in parts.vocabulary where id >= 0 { idToToken[Int(id)] = token }
        var special = [Bool](repeating: false, count: size)
        for token in parts.addedTokens where token.id >= 0 {
            idToToken[Int(token.id)] = token.content
            special[Int(token.id)] = token.special
        }

        var byteToID = [TokenID](repeating: -1, count: 256)
        for b in 0..<256 {
            byteToID[b] = parts.vocabulary[String(ByteLevel.scalar(UInt8(b)))] ?? -1
        }
        var table = PairTable(capacity: parts.merges.count)
        for (rank, merge) in parts.merges.enumerated() {
            guard let left = parts.vocabulary[merge.left], let right = parts.vocabulary[merge.right],
                  let merged = parts.vocabulary[merge.left + merge.right] else {
                throw InputError(file: parts.file, place: parts.mergePlace(rank),
                                 expected: "a merge of two vocabulary tokens whose concatenation is in the vocabulary",
                                 found: InputError.excerpt(merge.left + " " + merge.right))
            }
            table.insert(left: left, right: right, rank: rank, merged: merged)
        }
        model = BPEModel(byteToID: byteToID, merges: table, ignoreMerges: parts.ignoreMerges,
                         vocabulary: parts.ignoreMerges ? parts.vocabulary : [:])
        rawAdded = AddedTokenMatcher(parts.addedTokens.filter { !$0.normalized })
        normalizedAdded = AddedTokenMatcher(parts.addedTokens.filter { $0.normalized })
        normalizer = parts.normalizer
        preTokenizer = parts.preTokenizer
        decoder = parts.decoder
        decodeTable = DecodeTable(tokens: idToToken, special: special, decoder: parts.decoder)
        postProcessor = parts.postProcessor
        self.tokenToID = tokenToID
        self.idToToken = idToToken
        if let eos = parts.eosToken {
            guard let id = tokenToID[eos] else {
                throw InputError(file: parts.file, place: "eos_token", expected: "a token of the vocabulary",
                                 found: InputError.excerpt(eos))
            }
            eosTokenID = id
        } else {
            eosTokenID = nil
        }
        identity = TokenizerIdentity(name: name, kind: "byte-level-bpe", hash: hash, vocabularySize: size)
    }

    func encode(_ text: String, addSpecialTokens: Bool) -> [TokenID] {
        let state = pool.take()
        defer { pool.give(state) }
        var ids: [TokenID] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var text = text
        text.withUTF8 { raw in
            var segments = state.segments
            state.segments = []
            segments.removeAll(keepingCapacity: true)
            if rawAdded.isEmpty {
                segments.append(.text(0..<raw.count))
            } else {
                rawAdded.split(raw, 0, raw.count, into: &segments)
            }
            for segment in segments {
                switch segment {
                case .token(let id): ids.append(id)
                case .text(let range): encodeText(UnsafeBufferPointer(rebasing: raw[range]), state: state, into: &ids)
                }
            }
            state.segments = segments
        }
        return addSpecialTokens ? postProcessor.apply(ids) : ids
    }

    /// Normalizes, pre-tokenizes and BPE-encodes text that holds no raw-matched added token.
    private func encodeText(_ text: UnsafeBufferPointer<UInt8>, state: EncodeState, into ids: inout [TokenID]) {
        var pieces = state.pieces
        state.pieces = Pieces()
        defer { state.pieces = pieces }
        pieces.bytes.removeAll(keepingCapacity: true)
        pieces.ranges.removeAll(keepingCapacity: true)
        if let normalized = normalizer?.apply(text) {
            pieces.bytes.append(contentsOf: normalized)
        } else {
            pieces.bytes.append(contentsOf: text)
        }
        if normalizedAdded.isEmpty {
            pieces.ranges.append(0..<pieces.bytes.count)
            encodePieces(&pieces, state: state, into: &ids)
            return
        }
        var segments: [Segment] = []
        pieces.bytes.withUnsafeBufferPointer { normalizedAdded.split($0, 0, $0.count, into: &segments) }
        for segment in segments {
            switch segment {
            case .token(let id): ids.append(id)
            case .text(let range):
                var part = Pieces(bytes: Array(pieces.bytes[range]), ranges: [0..<range.count])
                encodePieces(&part, state: state, into: &ids)
            }
        }
    }

    private func encodePieces(_ pieces: inout Pieces, state: EncodeState, into ids: inout [TokenID]) {
        preTokenizer?.apply(&pieces, buffers: state.buffers)
        pieces.bytes.withUnsafeBufferPointer { bytes in
            for range in pieces.ranges {
                model.encodeWord(bytes, range.lowerBound, range.upperBound, state: state, into: &ids)
            }
        }
    }

    func decode(_ ids: [TokenID], skipSpecialTokens: Bool) throws -> String {
        try decodeTable.decode(ids, skipSpecialTokens: skipSpecialTokens,
                               separator: decoder == .joinWithSpaces ? [0x20] : [], tokenizer: identity.name)
    }

    func tokenID(for token: String) -> TokenID? { tokenToID[token] }

    func token(for id: TokenID) -> String? {
        guard id >= 0, Int(id) < idToToken.count else { return nil }
        return idToToken[Int(id)]
    }
}
