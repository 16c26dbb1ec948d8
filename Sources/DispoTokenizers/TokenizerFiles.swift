// Reading the two on-disk forms of a byte-level BPE tokenizer into `BPEParts`:
// - tokenizer.json of Hugging Face `tokenizers` (model BPE; merges as "a b" strings or [a, b] pairs);
// - the "slow" files vocab.json + merges.txt, with tokenizer_config.json / added_tokens.json, whose
//   tokenizer_class picks the pipeline: Qwen2Tokenizer → NFC + Qwen2 split regex; GPT2Tokenizer (or no config)
//   → GPT-2 regex via ByteLevel.

import DispoSupport
import Foundation

enum TokenizerFiles {
    static func parseJSON(_ root: JSONNode, config: TokenizerConfig?) throws -> BPEParts {
        let file = root.file
        let model = try root.required("model")
        let type = try model["type"]?.string() ?? "BPE"
        guard type == "BPE" else {
            throw InputError(file: file, place: "$.model.type", expected: "\"BPE\" (byte-level BPE)", found: InputError.excerpt(type))
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = try model[key]?.string(), !value.isEmpty {
                throw InputError(file: file, place: "$.model.\(key)", expected: "empty or null (byte-level BPE)", found: InputError.excerpt(value))
            }
        }
        if let fallback = try model["byte_fallback"]?.bool(), fallback {
            throw InputError(file: file, place: "$.model.byte_fallback", expected: "false (byte-level BPE)", found: "true")
        }
        if let dropout = model["dropout"], let p = dropout.value as? NSNumber, p.doubleValue > 0 {
            throw InputError(file: file, place: dropout.path, expected: "null (dropout is for training)", found: "\(p)")
        }
        let vocabulary = try readVocabulary(try model.required("vocab"))
        let mergesNode = try model.required("merges")
        guard let mergeValues = mergesNode.value as? [Any] else { throw mergesNode.error("an array") }
        var merges: [(left: String, right: String)] = []
        merges.reserveCapacity(mergeValues.count)
        for (index, value) in mergeValues.enumerated() {
            if let line = value as? String, let pair = splitMerge(line) {
                merges.append(pair)
            } else if let pair = value as? [Any], pair.count == 2, let a = pair[0] as? String, let b = pair[1] as? String {
                merges.append((a, b))
            } else {
                throw InputError(file: file, place: "$.model.merges[\(index)]", expected: "\"a b\" or [\"a\", \"b\"]",
                                 found: JSONNode.describe(value))
            }
        }
        var added: [AddedToken] = []
        for node in try root["added_tokens"]?.array() ?? [] {
            added.append(try TokenizerConfig.addedToken(node, id: try node.required("id").tokenID(), defaultSpecial: false))
        }
        return BPEParts(
            file: file, vocabulary: vocabulary, merges: merges, mergePlace: { "$.model.merges[\($0)]" },
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
        let vocabulary = try readVocabulary(try JSONNode.read(vocabPath))
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
    static func readVocabulary(_ node: JSONNode) throws -> [String: TokenID] {
        guard let object = node.value as? [String: Any] else { throw node.error("an object of token → id") }
        var vocabulary: [String: TokenID] = [:]
        vocabulary.reserveCapacity(object.count)
        for (token, value) in object {
            guard let number = value as? NSNumber, let id = Int32(exactly: number.doubleValue), id >= 0,
                  Int(id) < JSONNode.maxTokenID else {
                throw InputError(file: node.file, place: "\(node.path).\(token)", expected: "a token id in 0..<\(JSONNode.maxTokenID)",
                                 found: JSONNode.describe(value))
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
