// `dispo validate`, `dispo run`, `dispo resume`: pipelines from JSON files (see Pipelines/README.md).

import ArgumentParser
import DispoDistributed
import DispoJobs
import DispoLearner
import DispoPipeline
import DispoPlots
import DispoSupport
import Foundation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a pipeline file: keys, types, ranges and the files it names.")

    @Argument(help: "Pipeline JSON file.") var file: String
    @Option(name: .customLong("set"), help: "Override a key: path=value (repeatable).") var overrides: [String] = []

    func run() async throws {
        let spec = try PipelineSpec.load(file, overrides: overrides)
        let data = try RunData.check(spec, file: file)
        print("\(file): valid pipeline \"\(spec.name)\" (\(spec.train.steps) steps, algorithm \(spec.algorithm.name.rawValue), run dir \(spec.runDir); \(data.train.count) training problems, \(data.evalProblems.count) held out)")
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run a pipeline from its JSON file.")

    @Argument(help: "Pipeline JSON file.") var file: String
    @Option(help: "Run directory (default: the spec's run_dir).") var runDir: String?
    @Option(name: .customLong("set"), help: "Override a key: path=value (repeatable).") var overrides: [String] = []
    @Flag(help: "Replace an existing run directory.") var overwrite = false

    func run() async throws {
        var spec = try PipelineSpec.load(file, overrides: overrides)
        if let runDir { spec.runDir = runDir }
        try await RunLauncher.launch(spec: spec, specFile: file, resume: false, overwrite: overwrite)
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Continue a run from its newest complete checkpoint.")

    @Argument(help: "Run directory.") var runDir: String
    @Option(name: .customLong("set"), help: "Change a setting on resume: path=value (repeatable; needs --allow-change).")
    var overrides: [String] = []
    @Option(help: "A setting (or section) whose change is safe, e.g. train.steps or eval (repeatable).")
    var allowChange: [String] = []

    func run() async throws {
        let specPath = runDir + "/spec.json"
        guard FileManager.default.fileExists(atPath: specPath) else {
            throw ValidationError("\(runDir) holds no run (no spec.json)")
        }
        var old = try PipelineSpec.load(specPath)
        var spec = try PipelineSpec.load(specPath, overrides: overrides)
        old.runDir = runDir
        spec.runDir = runDir
        let changed = try SpecDiff.paths(old, spec)
        let refused = changed.filter { !SpecDiff.isAllowed($0, by: allowChange) }
        guard refused.isEmpty else {
            throw ValidationError("resuming with a changed spec: \(refused.joined(separator: ", ")) differ from \(specPath); "
                + "name each change that is safe with --allow-change PATH")
        }
        try await RunLauncher.launch(spec: spec, specFile: specPath, resume: true, acceptedSpecs: changed.isEmpty ? [] : [old])
    }
}

enum RunLauncher {
    /// Runs with SIGINT/SIGTERM handled: the first stops the run after the step in flight (with a
    /// checkpoint), a second one exits at once. Started by `mpirun`/`srun` as one of several ranks, the run is
    /// data-parallel over them (docs/SCALING.md); rank 0 alone prints and writes the run directory.
    static func launch(spec: PipelineSpec, specFile: String, resume: Bool, overwrite: Bool = false,
                       acceptedSpecs: [PipelineSpec] = []) async throws {
        let stop = StopFlag()
        let signals = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if stop.raise() == 1 {
                    StandardError.write("\nstopping: finishing the step in flight, then writing a checkpoint (signal again to exit at once)…\n")
                } else {
                    StandardError.write("\nexiting at once: `dispo resume \(spec.runDir)` continues from the last checkpoint\n")
                    _exit(130)
                }
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let communicator = try Distributed.start()
        let root = communicator.rank == 0
        let context = try RunContext(spec: spec, specFile: specFile)
        // A failed write of a progress line leaves stdout's error flag set: the command then ends with that error.
        let run = PipelineRun(context: context, stop: stop) { if root { try? StandardOutput.line($0) } }
        run.communicator = communicator
        if communicator.size > 1, root { try? StandardOutput.line("data-parallel over \(communicator.size) ranks (\(communicator.implementation))") }
        run.acceptedSpecHashes = Set(try acceptedSpecs.map { try RunContext.specHash($0) })
        let summary = try await run.run(resume: resume, overwrite: overwrite)
        try communicator.finalize()
        guard root else {
            if summary.stopped { throw ExitCode(130) }
            return
        }
        if summary.stopped {
            print("stopped after step \(summary.steps); continue with: dispo resume \(spec.runDir)")
            throw ExitCode(130)
        }
        print(RunReport.table(summary))
        if summary.stoppedOnCollapse, let collapse = summary.collapse {
            FileHandle.standardError.write(Data("stopped at step \(summary.steps): training collapsed at step \(collapse.step) (\(collapse.reason)); train.stop_on_collapse is set\n".utf8))
            throw ExitCode(3)
        }
    }
}
