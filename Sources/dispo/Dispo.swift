// The `dispo` command line. It only parses arguments and calls library code; each subcommand lives in
// its own file. Errors from the libraries (InputError, SystemError) print as one clear line and exit 1;
// an error of Foundation's file APIs is translated into a SystemError first (never "NSCocoaErrorDomain
// error 256"), and a failed write to standard output (a full disk, /dev/full) is an error, never exit 0.

import ArgumentParser
import DispoEngine
import DispoSupport

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
            SweepCommand.self,
            ModelCommand.self,
            SampleCommand.self,
            ScoreCommand.self,
            GradeCommand.self,
            ShardCommand.self,
            ShardsCommand.self,
            TokenizeCommand.self,
            ServeCommand.self,
            BenchCommand.self,
            EnvCommand.self,
        ]
    )

    /// First, a binary whose engine was compiled for a newer CPU than this one stops with a clear error.
    /// OpenBLAS 0.3.21 falls back to a slow generic kernel on CPUs newer than it knows; restart once with
    /// OPENBLAS_CORETYPE set to the kernel the CPU supports (skipped when the user set it, or with
    /// DISPO_BLAS_REEXEC=0). Then parse and run as usual.
    static func main() async {
        do { try CPUFeatures.checkEngineTarget() } catch { exit(withError: error) }
        BLASRuntime.reexecWithRecommendedKernel()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            try StandardOutput.flush()
        } catch {
            exit(withError: SystemError.translating(error, file: "dispo", operation: "a file operation"))
        }
    }
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks, each against its baseline measured in the same run.",
        subcommands: [BenchShardsCommand.self, BenchTokenizerCommand.self, BenchVerifierCommand.self, BenchLossesCommand.self,
                      BenchEngineCommand.self, BenchStreamingCommand.self, BenchServeCommand.self,
                      BenchEngineSampleCommand.self, BenchAllReduceCommand.self, BenchServePoolCommand.self,
                      BenchExportCommand.self]
    )
}
