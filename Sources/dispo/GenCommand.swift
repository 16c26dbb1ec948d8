// `dispo gen arithmetic`: writes the built-in arithmetic task as JSONL (problem, solution, answer, id).

import ArgumentParser
import DispoDatasets
import DispoSupport

struct GenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Generate built-in tasks.", subcommands: [GenArithmeticCommand.self])
}

struct GenArithmeticCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arithmetic",
        abstract: "Multi-step arithmetic problems with worked solutions ending in \\boxed{n}, as JSONL.")

    @Option(help: "How many problems.") var count: Int = 1000
    @Option(help: "Seed; the same seed gives the same problems everywhere.") var seed: UInt64 = 0
    @Option(help: "Fewest operations per problem.") var minOps: Int = 2
    @Option(help: "Most operations per problem.") var maxOps: Int = 3
    @Option(help: "Largest operand of + and -.") var maxOperand: Int = 30
    @Option(help: "Largest factor of *.") var maxFactor: Int = 5
    @Option(help: "Largest intermediate value.") var maxValue: Int = 99
    @Option(help: "Output file (default: standard output).") var out: String?

    func run() async throws {
        guard count >= 0 else { throw ValidationError("--count must be non-negative") }
        let config = ArithmeticConfig(minOps: minOps, maxOps: maxOps, maxOperand: maxOperand, maxFactor: maxFactor,
                                      maxValue: maxValue)
        try config.validate()
        let lines = try ArithmeticGenerator.jsonLines(count: count, config: config, seed: seed)
        let text = lines.map { $0 + "\n" }.joined()
        if let out {
            try AtomicFile.write(text, to: out)
        } else {
            print(text, terminator: "")
        }
    }
}
