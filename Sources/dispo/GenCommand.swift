// `dispo gen arithmetic`: writes the built-in arithmetic task as JSONL (problem, solution, answer, id).

import ArgumentParser
import DispoDatasets
import DispoSupport
import Foundation

struct GenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Generate built-in tasks.", subcommands: [GenArithmeticCommand.self])
}

struct GenArithmeticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arithmetic",
        abstract: "Multi-step arithmetic problems with worked solutions ending in \\boxed{n}, as JSONL.")

    @Option(parsing: .unconditional, help: "How many problems, in [0, 1000000000].") var count: Int = 1000
    @Option(parsing: .unconditional, help: "Seed; the same seed gives the same problems everywhere.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Fewest operations per problem, in [1, 64].") var minOps: Int = 2
    @Option(parsing: .unconditional, help: "Most operations per problem, in [min-ops, 64].") var maxOps: Int = 3
    @Option(parsing: .unconditional, help: "Largest operand of + and -, in [1, 10^9].") var maxOperand: Int = 30
    @Option(parsing: .unconditional, help: "Largest factor of *, in [2, 10^9].") var maxFactor: Int = 5
    @Option(parsing: .unconditional, help: "Largest intermediate value, in [2 × max-operand, 10^12].") var maxValue: Int = 99
    @Option(help: "Output file (default: standard output).") var out: String?

    func validate() throws { try Flags.check(count, "--count", Limits.count) }

    func run() async throws {
        let config = ArithmeticConfig(minOps: minOps, maxOps: maxOps, maxOperand: maxOperand, maxFactor: maxFactor,
                                      maxValue: maxValue)
        try config.validate()
        if let out {
            // Like `dispo shard --out`, the output's directory is made if missing.
            let parent = (out as NSString).deletingLastPathComponent
            if !parent.isEmpty { try FileSystem.createDirectory(parent) }
            let file = try AtomicFile(path: out)
            try ArithmeticGenerator.forEachLine(count: count, config: config, seed: seed) { try file.write($0 + "\n") }
            try file.commit()
        } else {
            try ArithmeticGenerator.forEachLine(count: count, config: config, seed: seed) { try StandardOutput.line($0) }
        }
    }
}
