// `dispo sweep`: pipelines × seeds with aggregation (DispoJobs.SweepJob). Parses arguments, forwards
// SIGINT/SIGTERM to the sweep (its runs checkpoint and exit), prints the progress and the tables.

import ArgumentParser
import DispoJobs
import DispoSupport
import Foundation

struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run pipelines × seeds and aggregate them: mean ± standard error per arm, paired comparisons, banded plots.",
        discussion: """
        Each pipeline is an arm, named by its "name". Seed k of arm A runs in OUT/A/seed-k (its output in \
        OUT/A/seed-k.log) as `dispo run PIPELINE --run-dir OUT/A/seed-k --set seed=k [--set …]`. Running the same \
        command again skips finished runs and resumes interrupted ones. At the end (and after an interruption) it \
        writes OUT/aggregate.json (per arm, each statistic as {"mean", "stderr", "n"}), OUT/aggregate.md (the tables) \
        and OUT/plots/ (one band per arm); --aggregate-only writes them from the runs finished so far. Exit status 1 when a run failed, 130 when interrupted.
        """)

    @Argument(help: "Pipeline JSON files (one arm each).") var pipelines: [String]
    @Option(help: "Seeds: 1-5, 1,3,7-9, …") var seeds: String
    @Option(help: "Output directory.") var out: String
    @Option(name: .customLong("set"), help: "Override a key of every pipeline: path=value (repeatable).") var overrides: [String] = []
    @Option(parsing: .unconditional, help: "Runs at a time (each uses the threads its spec asks for), in [1, 64].") var jobs = 1
    @Option(help: "The arm the others are compared with (default: dispo, else the first).") var reference: String?
    @Flag(help: "Start no run: write the tables and plots from the runs finished so far.") var aggregateOnly = false

    func validate() throws {
        guard !pipelines.isEmpty else { throw ValidationError("give at least one pipeline file") }
        try Flags.check(jobs, "--jobs", 1...64)
    }

    func run() async throws {
        let job = SweepJob(pipelines: pipelines, seeds: try SweepJob.parseSeeds(seeds), out: out, overrides: overrides, jobs: jobs,
                           executable: Self.executablePath(), reference: reference)
        job.aggregateOnly = aggregateOnly
        let signals = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                StandardError.line("\nstopping the sweep: the running runs checkpoint and exit…")
                job.stop()
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let (outcomes, aggregate) = try await job.run()
        try StandardOutput.line("")
        try StandardOutput.line(SweepTable.markdown(aggregate))
        try StandardOutput.line("wrote \(out)/aggregate.json, \(out)/aggregate.md and \(out)/plots/")
        let failed = outcomes.filter { if case .failed = $0.1 { return true } else { return false } }
        for (plan, outcome) in failed {
            if case .failed(let why) = outcome { try StandardOutput.line("failed: \(plan.arm) seed \(plan.seed) (\(plan.logPath)): \(why)") }
        }
        if job.isStopped || outcomes.contains(where: { $0.1 == .interrupted }) {
            try StandardOutput.line("interrupted: run the same command again to continue")
            throw ExitCode(130)
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }

    /// This binary, to launch the runs with.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
