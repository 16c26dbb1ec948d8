// Reading the two on-disk forms of a byte-level BPE tokenizer into `BPEParts`:
// - tokenizer.json of Hugging Face `tokenizers` (model BPE; merges as "a b" strings or [a, b] pairs);
// - the "slow" files vocab.json + merges.txt, with tokenizer_config.json / added_tokens.json, whose
//   tokenizer_class picks the pipeline: Qwen2Tokenizer → NFC + Qwen2 split regex; GPT2Tokenizer (or no config)
//   → GPT-2 regex via ByteLevel.

import DispoSupport
import Foundation

enum TokenizerFiles {
    static func parseJSON(_ root: JSONReader, config: TokenizerConfig?) throws -> BPEParts {
        let file = root.file
        let model = try root.member("model")
        if let type = model["type"], try type.string() != "BPE" { throw type.error("\"BPE\" (byte-level BPE)") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key], try !value.string().isEmpty { throw value.error("empty or null (byte-level BPE)") }
        }
        if let fallback = model["byte_fallback"], try fallback.bool() { throw fallback.error("false (byte-level BPE)") }
        if let dropout = model["dropout"], try dropout.double() > 0 { throw dropout.error("null (dropout is for training)") }
        let vocabulary = try readVocabulary(try model.member("vocab"))
        let mergesNode = try model.member("merges")
        guard case .array(let mergeValues) = mergesNode.node.value else { throw mergesNode.error("an array") }
        var merges: [(left: String, right: String)] = []
        var lines: [Int] = []
        merges.reserveCapacity(mergeValues.count)
        lines.reserveCapacity(mergeValues.count)
        for (index, value) in mergeValues.enumerated() {
            if case .string(let line) = value.value, let pair = splitMerge(line) {
                merges.append(pair)
            } else if case .array(let pair) = value.value, pair.count == 2, case .string(let a) = pair[0].value,
                      case .string(let b) = pair[1].value {
                merges.append((a, b))
            } else {
                throw InputError(file: file, place: "$.model.merges[\(index)] (line \(value.line))",
                                 expected: "\"a b\" or [\"a\", \"b\"]", found: value.value.kindDescription)
            }
            lines.append(value.line)
        }
        var added: [AddedToken] = []
        for node in try root["added_tokens"]?.array() ?? [] {
            added.append(try TokenizerConfig.addedToken(node, id: try node.member("id").tokenID(), defaultSpecial: false))
        }
        let mergeLines = lines
        return BPEParts(
            file: file, vocabulary: vocabulary, merges: merges,
            mergePlace: { "$.model.merges[\($0)] (line \(mergeLines[$0]))" },
            addedTokens: added,
            normalizer: try Normalizer.parse(root["normalizer"]),
            preTokenizer: try PreTokenizer.parse(root["pre_tokenizer"]),
            decoder: try TokenDecoder.parse(root["decoder"]),
            postProcessor: try PostProcessor.parse(root["post_processor"]),
            ignoreMerges: try model["ignore_merges"]?.bool() ?? false,
            eosToken: config?.eosToken)
    }

    static let slowClasses = ["Qwen2Tokenizer", "Qwen2TokenizerFast", "GPT2Tokenizer", "GPT2TokenizerFast"]

    static func readSlow(directory: String, config: TokenizerConfig?) throws -> BPEParts {
        let vocabPath = directory + "/vocab.json"
        let mergesPath = directory + "/merges.txt"
        let vocabulary = try readVocabulary(try JSONReader.parse(try readFile(vocabPath), file: vocabPath))
        let text = try readFile(mergesPath)
        var merges: [(left: String, right: String)] = []
        var lineNumbers: [Int] = []
        for (index, bytes) in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes, as: UTF8.self)
            if line.isEmpty || (index == 0 && line.hasPrefix("#version")) { continue }
            guard let pair = splitMerge(line) else {
                throw InputError(file: mergesPath, place: "line \(index + 1)", expected: "two tokens separated by one space",
                                 found: InputError.excerpt(line))
            }
            merges.append(pair)
            lineNumbers.append(index + 1)
        }
        let className = config?.tokenizerClass ?? "GPT2Tokenizer"
        let normalizer: Normalizer?
        let preTokenizer: PreTokenizer
        switch className {
        case "Qwen2Tokenizer", "Qwen2TokenizerFast":
            normalizer = .nfc
            preTokenizer = .sequence([.split(engine: .scanner(.qwen2), behavior: .isolated, invert: false),
                                      .byteLevel(addPrefixSpace: false, useRegex: false)])
        case "GPT2Tokenizer", "GPT2TokenizerFast":
            normalizer = nil
            preTokenizer = .byteLevel(addPrefixSpace: config?.addPrefixSpace ?? false, useRegex: true)
        default:
            throw InputError(file: directory + "/tokenizer_config.json", place: "$.tokenizer_class",
                             expected: "one of " + slowClasses.joined(separator: ", ") + " (or a tokenizer.json beside it)",
                             found: InputError.excerpt(className))
        }
        let lines = lineNumbers
        var post = PostProcessor()
        let all = vocabulary.merging((config?.addedTokens ?? []).map { ($0.content, $0.id) }) { $1 }
        if let config, config.addBosToken, let bos = config.bosToken, let id = all[bos] { post.prefix = [id] }
        if let config, config.addEosToken, let eos = config.eosToken, let id = all[eos] { post.suffix = [id] }
        return BPEParts(
            file: mergesPath, vocabulary: vocabulary, merges: merges, mergePlace: { "line \(lines[$0])" },
            addedTokens: config?.addedTokens ?? [], normalizer: normalizer, preTokenizer: preTokenizer,
            decoder: .byteLevel, postProcessor: post, ignoreMerges: false, eosToken: config?.eosToken)
    }

    /// `{"token": id, …}` of vocab.json or `$.model.vocab`.
    static func readVocabulary(_ node: JSONReader) throws -> [String: TokenID] {
        guard case .object(let members) = node.node.value else { throw node.error("an object of token → id") }
        var vocabulary: [String: TokenID] = [:]
        vocabulary.reserveCapacity(members.count)
        for (token, value) in members {
            guard case .number(let number, _) = value.value, let id = Int32(exactly: number), id >= 0,
                  Int(id) < JSONReader.maxTokenID else {
                throw InputError(file: node.file, place: "\(node.path).\(token) (line \(value.line))",
                                 expected: "a token id in 0..<\(JSONReader.maxTokenID)", found: value.value.kindDescription)
            }
            vocabulary[token] = id
        }
        return vocabulary
    }

    private static func splitMerge(_ line: String) -> (left: String, right: String)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
