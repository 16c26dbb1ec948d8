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
    @Option(parsing: .unconditional, help: "First record to print, in [0, records).") var start = 0
    @Option(parsing: .unconditional, help: "Number of records to print (default: all), in [0, 1000000000].") var limit: Int?

    func validate() throws {
        try Flags.check(start, "--start", Limits.count)
        if let limit { try Flags.check(limit, "--limit", Limits.count) }
    }
    @Option(help: "Tokenizer (tokenizer.json or its directory) to add a \"text\" field.") var tokenizer: String?

    func run() async throws {
        let set = try ShardSet(directory: path)
        let decoder = try tokenizer.map { try TokenizerLoader.load($0) }
        if let decoder, decoder.identity.hash != set.manifest.tokenizer.hash {
            StandardError.line("warning: tokenizer \(decoder.identity.name) (hash \(decoder.identity.hash)) is not the one "
                + "the set was written with (\(set.manifest.tokenizer.name), hash \(set.manifest.tokenizer.hash))")
        }
        guard start < set.count || set.count == 0 else {
            throw InputError(file: path, place: "--start", expected: "a record index below \(set.count)", found: "\(start)")
        }
        try set.scan(from: start, limit: limit) { index, record in
            let text = try decoder.map { try $0.decode(record.tokens, skipSpecialTokens: false) }
            try StandardOutput.line(ShardJSONL.line(index: index, record: record, text: text))
        }
    }
}
