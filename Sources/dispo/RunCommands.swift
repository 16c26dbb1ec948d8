// `dispo validate`, `dispo run`, `dispo resume`: pipelines from JSON files (see Pipelines/README.md).

import ArgumentParser
import DispoPipeline
import Foundation

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate", abstract: "Check a pipeline file: keys, types, ranges and the files it names.")

    @Argument(help: "Pipeline JSON file.") var file: String
    @Option(name: .customLong("set"), help: "Override a key: path=value (repeatable).") var overrides: [String] = []

    func run() async throws {
        let spec = try PipelineSpec.load(file, overrides: overrides)
        print("\(file): valid pipeline \"\(spec.name)\" (\(spec.train.steps) steps, algorithm \(spec.algorithm.name.rawValue), run dir \(spec.runDir))")
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
        if FileManager.default.fileExists(atPath: spec.runDir + "/spec.json") {
            guard overwrite else {
                throw ValidationError("\(spec.runDir) already holds a run: continue it with `dispo resume \(spec.runDir)`, or pass --overwrite")
            }
            try FileManager.default.removeItem(atPath: spec.runDir)
        }
        try await RunLauncher.launch(spec: spec, resume: false)
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
        try await RunLauncher.launch(spec: spec, resume: true, acceptedSpecs: changed.isEmpty ? [] : [old])
    }
}

enum RunLauncher {
    static func launch(spec: PipelineSpec, resume: Bool, acceptedSpecs: [PipelineSpec] = []) async throws {
        let stop = StopFlag()
        let signals = [SIGINT, SIGTERM].map { sig -> any DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                stop.raise()
                FileHandle.standardError.write(Data("\nstopping: finishing the step in flight, then writing a checkpoint…\n".utf8))
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let context = try RunContext(spec: spec)
        let run = PipelineRun(context: context, stop: stop) { FileHandle.standardOutput.write(Data(($0 + "\n").utf8)) }
        run.acceptedSpecHashes = Set(try acceptedSpecs.map { try RunContext.specHash($0) })
        let summary = try await run.run(resume: resume)
        if summary.stopped {
            print("stopped after step \(summary.steps); continue with: dispo resume \(spec.runDir)")
            throw ExitCode(130)
        }
        print(RunReport.table(summary))
    }
}
