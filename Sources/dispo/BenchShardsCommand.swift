// `dispo bench shards`: shard decode / random access / memory / write benchmarks against `zstd -d` and
// `lz4 -d` measured in the same run (DispoBench.ShardBench does the work).

import ArgumentParser
import DispoBench
import DispoSupport
import DispoShards

struct BenchShardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shards", abstract: "Benchmark shard decode, random reads, memory and writing against zstd/lz4 CLIs.")

    @Option(parsing: .unconditional, help: "Uncompressed size of the synthetic set in MB, in [1, 65536].") var megabytes = 200
    @Option(help: "Scratch directory (default: a temporary one).") var dir: String?
    @Option(help: "zstd, lz4 or both.") var codec = "both"
    @Option(parsing: .unconditional, help: "zstd level, in [1, 19].") var level = 3
    @Flag(help: "Keep the generated sets.") var keep = false

    func validate() throws {
        try Flags.check(megabytes, "--megabytes", 1...65_536)
        try Flags.check(level, "--level", 1...19)
    }

    func run() async throws {
        var options = ShardBenchOptions()
        options.megabytes = megabytes
        options.directory = dir
        options.keep = keep
        switch codec {
        case "both": options.codecs = [try ShardCodec.parse("zstd", level: level), .lz4]
        case "zstd", "lz4": options.codecs = [try ShardCodec.parse(codec, level: level)]
        default: throw ValidationError("--codec must be zstd, lz4 or both")
        }
        try ShardBench.run(options) { print($0) }
    }
}
