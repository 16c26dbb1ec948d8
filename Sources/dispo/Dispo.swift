// The `dispo` command line. It only parses arguments and calls library code; each subcommand lives in
// its own file. Errors from the libraries (InputError, SystemError) print as one clear line and exit 1.

import ArgumentParser

@main
struct Dispo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispo",
        abstract: "Reinforcement learning for mathematical reasoning on CPUs, built around DISPO.",
        subcommands: [
            GenCommand.self,
            ValidateCommand.self,
            RunCommand.self,
            ResumeCommand.self,
            LearnCommand.self,
            EvalCommand.self,
            PlotCommand.self,
            GradeCommand.self,
            ShardCommand.self,
            ShardsCommand.self,
            TokenizeCommand.self,
            BenchCommand.self,
            EnvCommand.self,
        ]
    )
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each against its baseline measured in the same run.",
        subcommands: [BenchShardsCommand.self, BenchTokenizerCommand.self, BenchVerifierCommand.self, BenchLossesCommand.self]
    )
}
