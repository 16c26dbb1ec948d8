// `dispo shards cat PATH [--start N] [--limit N] [--tokenizer PATH]`: records as JSON Lines, optionally
// with the decoded text.

import ArgumentParser
import DispoShards
import DispoSupport
import DispoTokenizers
import Foundation

struct ShardsCatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat", abstract: "Print records as JSON Lines: index, tokens, loss_mask (if any), metadata.")

    @Argument(help: "Shard set directory.") var path: String
    @Option(help: "First record to print.") var start = 0
    @Option(help: "Number of records to print (default: all).") var limit: Int?
    @Option(help: "Tokenizer (tokenizer.json or its directory) to add a \"text\" field.") var tokenizer: String?

    func run() async throws {
        guard start >= 0 else { throw ValidationError("--start must be ≥ 0") }
        let set = try ShardSet(directory: path)
        let decoder = try tokenizer.map { try TokenizerLoader.load($0) }
        if let decoder, decoder.identity.hash != set.manifest.tokenizer.hash {
            FileHandle.standardError.write(Data(("warning: tokenizer \(decoder.identity.name) (hash \(decoder.identity.hash)) is not the one "
                + "the set was written with (\(set.manifest.tokenizer.name), hash \(set.manifest.tokenizer.hash))\n").utf8))
        }
        guard start < set.count || set.count == 0 else {
            throw InputError(file: path, place: "--start", expected: "a record index below \(set.count)", found: "\(start)")
        }
        var out = ""
        try set.scan(from: start, limit: limit) { index, record in
            let text = try decoder.map { try $0.decode(record.tokens, skipSpecialTokens: false) }
            out += ShardJSONL.line(index: index, record: record, text: text) + "\n"
            if out.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
