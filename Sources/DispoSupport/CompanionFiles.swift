// The files that travel with a model's weights so that a model directory dispo writes (checkpoints,
// final/, `dispo learn` output) is complete: the tokenizer's files and generation_config.json. One list,
// one copy routine, used by every writer of model directories.

import Foundation

public enum CompanionFiles {
    /// File names copied beside the weights when present.
    public static let names = ["tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "added_tokens.json",
                               "special_tokens_map.json", "generation_config.json", "vocab.txt"]

    /// The companion files of `path`: the listed files inside it when it is a directory, or `path` itself
    /// when it is a single tokenizer file; [] when it does not exist.
    public static func of(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        if !isDirectory.boolValue { return [path] }
        return names.map { path + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Copies `files` into `directory` (each atomically, keeping its name).
    public static func copy(_ files: [String], into directory: String) throws {
        for file in files {
            let mapped = try MappedFile(path: file)
            try AtomicFile.write(Array(mapped.bytes), to: directory + "/" + URL(fileURLWithPath: file).lastPathComponent)
        }
    }
}
