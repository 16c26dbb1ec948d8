// The character-level tokenizer of dispo's built-in tiny model. One id per Unicode scalar of a fixed list,
// after a few special tokens. Its vocabulary file (Data/tokenizers/char/vocab.json) is:
//   {"type": "char",
//    "special": ["<pad>", "<bos>", "<eos>", "<unk>"],   ids 0, 1, 2, 3 …
//    "chars": [" ", "!", …, "~", "\n"],                  ids special.count, special.count + 1, …
//    "bos": "<bos>", "eos": "<eos>", "unk": "<unk>"}      optional; each must be one of "special"
// Special tokens written in the text are matched (like HF added tokens); every other scalar is looked up, and
// one that is not in "chars" maps to the `unk` token (or is dropped when the file names none).
// `addSpecialTokens` puts `bos` first.

import DispoSupport

struct CharTokenizer: Tokenizer {
    let identity: TokenizerIdentity
    let eosTokenID: TokenID?
    let bosTokenID: TokenID?
    let unkTokenID: TokenID?
    var vocabularySize: Int { identity.vocabularySize }
    private let tokens: [String]
    private let specialCount: Int
    private let idOfScalar: [UInt32: TokenID]
    private let ascii: [TokenID]  // id of each ASCII scalar, -1 if absent
    private let specials: AddedTokenMatcher
    private let tokenToID: [String: TokenID]

    init(_ root: JSONReader, name: String, hash: String) throws {
        let special = try root.member("special").array().map { try $0.string() }
        let charsNode = try root.member("chars")
        var chars: [String] = []
        var idOfScalar: [UInt32: TokenID] = [:]
        for node in try charsNode.array() {
            let text = try node.string()
            guard text.unicodeScalars.count == 1, let scalar = text.unicodeScalars.first else {
                throw node.error("a string of exactly one Unicode scalar")
            }
            let id = TokenID(special.count + chars.count)
            guard idOfScalar[scalar.value] == nil else { throw node.error("a character not listed before") }
            idOfScalar[scalar.value] = id
            chars.append(text)
        }
        tokens = special + chars
        specialCount = special.count
        self.idOfScalar = idOfScalar
        ascii = (0..<128).map { idOfScalar[UInt32($0)] ?? -1 }
        var tokenToID: [String: TokenID] = [:]
        for (id, token) in tokens.enumerated() where tokenToID[token] == nil { tokenToID[token] = TokenID(id) }
        self.tokenToID = tokenToID
        specials = AddedTokenMatcher(special.enumerated().map { AddedToken(id: TokenID($0.offset), content: $0.element, special: true) })
        func specialID(_ key: String) throws -> TokenID? {
            guard let node = root[key] else { return nil }
            let token = try node.string()
            guard let index = special.firstIndex(of: token) else { throw node.error("one of the \"special\" tokens") }
            return TokenID(index)
        }
        bosTokenID = try specialID("bos")
        eosTokenID = try specialID("eos")
        unkTokenID = try specialID("unk")
        identity = TokenizerIdentity(name: name, kind: "char", hash: hash, vocabularySize: tokens.count)
    }

    func encode(_ text: String, addSpecialTokens: Bool) -> [TokenID] {
        var ids: [TokenID] = []
        ids.reserveCapacity(text.utf8.count + 1)
        if addSpecialTokens, let bos = bosTokenID { ids.append(bos) }
        var text = text
        text.withUTF8 { raw in
            var segments: [Segment] = []
            specials.split(raw, 0, raw.count, into: &segments)
            for segment in segments {
                switch segment {
                case .token(let id): ids.append(id)
                case .text(let range):
                    for scalar in String(decoding: UnsafeBufferPointer(rebasing: raw[range]), as: UTF8.self).unicodeScalars {
                        let id = scalar.value < 128 ? ascii[Int(scalar.value)] : idOfScalar[scalar.value] ?? -1
                        if id >= 0 { ids.append(id) } else if let unk = unkTokenID { ids.append(unk) }
                    }
                }
            }
        }
        return ids
    }

    func decode(_ ids: [TokenID], skipSpecialTokens: Bool) throws -> String {
        var out = ""
        for (position, id) in ids.enumerated() {
            guard id >= 0, Int(id) < tokens.count else {
                throw InputError(file: "token ids for tokenizer \(identity.name)", place: "position \(position)",
                                 expected: "an id of the vocabulary (0..<\(tokens.count))", found: "\(id)")
            }
            if skipSpecialTokens && Int(id) < specialCount { continue }
            out += tokens[Int(id)]
        }
        return out
    }

    func unknownCharacters(in text: String) -> Int {
        var count = 0
        var text = text
        text.withUTF8 { raw in
            var segments: [Segment] = []
            specials.split(raw, 0, raw.count, into: &segments)
            for case .text(let range) in segments {
                for scalar in String(decoding: UnsafeBufferPointer(rebasing: raw[range]), as: UTF8.self).unicodeScalars {
                    let id = scalar.value < 128 ? ascii[Int(scalar.value)] : idOfScalar[scalar.value] ?? -1
                    if id < 0 { count += 1 }
                }
            }
        }
        return count
    }

    func tokenID(for token: String) -> TokenID? { tokenToID[token] }

    func token(for id: TokenID) -> String? {
        guard id >= 0, Int(id) < tokens.count else { return nil }
        return tokens[Int(id)]
    }
}
