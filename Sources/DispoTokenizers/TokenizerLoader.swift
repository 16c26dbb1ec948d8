// Finds out what a path holds and loads it: a tokenizer.json, a char vocabulary file, or a directory holding
// either kind or the slow byte-level BPE files (vocab.json + merges.txt). A directory with tokenizer.json uses it.
//
// Identity hash: XXH64 (hex) of the concatenation, over the defining files in this fixed order, of
// `file name, 0x00, byte count as 8 bytes little-endian, bytes`. Files (those present):
//   tokenizer.json form:  tokenizer.json (or the given file name), tokenizer_config.json
//   slow form:            vocab.json, merges.txt, tokenizer_config.json, added_tokens.json, special_tokens_map.json
//   char form:            the vocabulary file.

import DispoSupport
import Foundation

public enum TokenizerLoader {
    public static func load(_ path: String) throws -> any Tokenizer {
        let kind = FileSystem.kind(path)
        guard kind == .regular || kind == .directory else {
            throw InputError(file: path, expected: "a tokenizer.json, a char vocabulary file, or a directory holding one",
                             found: kind == .missing ? "nothing at this path" : kind.description)
        }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if kind == .directory { return try loadDirectory(trimmed) }
        return try loadFile(trimmed)
    }

    private static func loadDirectory(_ directory: String) throws -> any Tokenizer {
        let fm = FileManager.default
        let name = (directory as NSString).lastPathComponent
        let json = directory + "/tokenizer.json"
        if fm.fileExists(atPath: json) { return try loadTokenizerJSON(json, name: name) }
        let vocab = directory + "/vocab.json"
        if fm.fileExists(atPath: vocab) {
            let data = try readFile(vocab)
            if let root = try charVocabulary(data, file: vocab) {
                return try CharTokenizer(root, name: name, hash: hash([(vocab, data)]))
            }
            guard fm.fileExists(atPath: directory + "/merges.txt") else {
                throw InputError(file: directory + "/merges.txt", expected: "the BPE merges beside vocab.json", found: "no file")
            }
            let config = try TokenizerConfig.read(directory: directory)
            let parts = try TokenizerFiles.readSlow(directory: directory, config: config)
            let files = ["vocab.json", "merges.txt", "tokenizer_config.json", "added_tokens.json", "special_tokens_map.json"]
                .map { directory + "/" + $0 }.filter { fm.fileExists(atPath: $0) }
            return try BPETokenizer(parts: parts, name: name, hash: hash(try files.map { ($0, try readFile($0)) }))
        }
        throw InputError(file: directory, expected: "tokenizer.json, vocab.json + merges.txt, or a char vocab.json",
                         found: "none of them",
                         hint: fm.fileExists(atPath: directory + "/tokenizer_config.json")
                             ? "this directory has only configs; the vocabulary files live elsewhere" : nil)
    }

    private static func loadFile(_ file: String) throws -> any Tokenizer {
        let data = try readFile(file)
        let url = URL(fileURLWithPath: file)
        var name = url.deletingPathExtension().lastPathComponent
        if ["tokenizer", "vocab"].contains(name) { name = url.deletingLastPathComponent().lastPathComponent }
        if let root = try charVocabulary(data, file: file) {
            return try CharTokenizer(root, name: name, hash: hash([(file, data)]))
        }
        let root = try JSONReader.parse(data, file: file)
        guard root["model"] != nil else {
            throw InputError(file: file, place: "$", expected: "a tokenizer.json (with \"model\") or a char vocabulary (\"type\": \"char\")",
                             found: root.node.value.kindDescription,
                             hint: url.lastPathComponent == "vocab.json" ? "for vocab.json + merges.txt, pass their directory" : nil)
        }
        return try loadTokenizerJSON(file, name: name, data: data, root: root)
    }

    private static func loadTokenizerJSON(_ file: String, name: String, data: Data? = nil, root: JSONReader? = nil) throws -> any Tokenizer {
        let data = try data ?? readFile(file)
        let root = try root ?? JSONReader.parse(data, file: file)
        let directory = (file as NSString).deletingLastPathComponent
        let config = try TokenizerConfig.read(directory: directory.isEmpty ? "." : directory)
        var files: [(String, Data)] = [(file, data)]
        let configPath = (directory.isEmpty ? "." : directory) + "/tokenizer_config.json"
        if FileManager.default.fileExists(atPath: configPath) { files.append((configPath, try readFile(configPath))) }
        let parts = try TokenizerFiles.parseJSON(root, config: config)
        return try BPETokenizer(parts: parts, name: name, hash: hash(files))
    }

    /// The parsed file when it is a char vocabulary (`"type": "char"`); only small files are looked into.
    private static func charVocabulary(_ data: Data, file: String) throws -> JSONReader? {
        guard data.count < 1 << 20 else { return nil }
        let root = try JSONReader.parse(data, file: file)
        guard case .string("char")? = root["type"]?.node.value else { return nil }
        return root
    }

    static func hash(_ files: [(String, Data)]) -> String {
        var bytes: [UInt8] = []
        for (path, data) in files {
            bytes.append(contentsOf: (path as NSString).lastPathComponent.utf8)
            bytes.append(0)
            withUnsafeBytes(of: UInt64(data.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: data)
        }
        return XXH64.hex(XXH64.hash(bytes))
    }
}
