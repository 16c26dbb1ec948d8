// `dispo shards stats|verify|cat|inspect PATH`: look into a shard set. Parsing only; the reports come
// from DispoShards (ShardSetStats, ShardInspect, ShardJSONL, ShardSet.verify).

import ArgumentParser
import DispoShards
import DispoSupport
import Foundation

struct ShardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards", abstract: "Inspect, verify and print shard sets.",
        subcommands: [ShardsStatsCommand.self, ShardsVerifyCommand.self, ShardsCatCommand.self, ShardsInspectCommand.self])
}

struct ShardsStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Counts, bytes, compression ratio and record-length histograms.")

    @Argument(help: "Shard set directory.") var path: String

    func run() async throws {
        let set = try ShardSet(directory: path)
        print(try ShardSetStats.compute(set).report(directory: path, codec: set.manifest.codec), terminator: "")
    }
}

struct ShardsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Decompress every block, check every checksum and index entry; exit 1 on any fault.")

    @Argument(help: "Shard set directory.") var path: String

    func run() async throws {
        let bar = ProgressBar(label: "verify", total: nil, unit: " blocks")
        var blocks = 0
        let faults = ShardSet.verify(directory: path) { done in
            blocks = done
            bar.update(done)
        }
        bar.finish(blocks)
        for fault in faults { StandardError.line("fault: \(fault)") }
        guard faults.isEmpty else {
            StandardError.line("\(path): \(faults.count) fault(s) in \(blocks) blocks checked")
            throw ExitCode(1)
        }
        print("\(path): ok, \(blocks) blocks verified")
    }
}

struct ShardsInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Print the manifest, each shard's header and footer, and the block table.")

    @Argument(help: "Shard set directory.") var path: String
    @Flag(help: "Leave out the block tables.") var noBlocks = false

    func run() async throws {
        print(try ShardInspect.report(try ShardSet(directory: path), blocks: !noBlocks), terminator: "")
    }
}
