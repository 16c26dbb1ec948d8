// `dispo sweep`: pipelines × seeds. Each arm (a pipeline, named by its `name`) runs once per seed in
// DIR/<arm>/seed-<k> — `dispo run PIPELINE --run-dir … --set seed=k [--set …]` as a child process of the same
// binary, its output in DIR/<arm>/seed-<k>.log — one after another, or `jobs` at a time. Then the sweep
// aggregates every finished run (SweepAggregate: aggregate.json, aggregate.md, plots/ with a band per arm).
//
// Resumable: a run with summary.json is finished and not run again; a run with spec.json but no summary
// (interrupted) continues with `dispo resume`; so the same command, run again, picks up where it stopped. A
// run directory whose spec.json differs from what the sweep would run now (another --set, an edited
// pipeline) is an error naming the settings, never silently mixed in. SIGINT/SIGTERM reach the children (they
// checkpoint and exit); the sweep launches nothing more, aggregates what is finished and says how to continue.

import DispoPipeline
import DispoSupport
import Foundation

public struct SweepRunPlan: Sendable, Equatable {
    public enum Status: String, Sendable { case finished, resume, fresh }

    public var arm: String
    public var file: String
    public var seed: UInt64
    public var directory: String
    public var logPath: String
    public var status: Status
}

public enum SweepRunOutcome: Sendable, Equatable {
    case finished
    case interrupted
    case failed(String)
}

public final class SweepJob: @unchecked Sendable {
    public let pipelines: [String]
    public let seeds: [UInt64]
    public let out: String
    public let overrides: [String]
    public let jobs: Int
    /// The `dispo` binary the runs are launched with.
    public let executable: String
    /// The arm others are compared with; default: `dispo` if there is one, else the first pipeline's.
    public let reference: String?
    /// Start nothing: aggregate the runs finished so far (the others count as not finished).
    public var aggregateOnly = false
    public var log: @Sendable (String) -> Void = { try? StandardOutput.line($0); try? StandardOutput.flush() }
    private let stopFlag = StopFlag()
    private let children = Children()

    public init(pipelines: [String], seeds: [UInt64], out: String, overrides: [String] = [], jobs: Int = 1,
                executable: String, reference: String? = nil) {
        self.pipelines = pipelines
        self.seeds = seeds
        self.out = out
        self.overrides = overrides
        self.jobs = jobs
        self.executable = executable
        self.reference = reference
    }

    /// `1-5`, `1,3,7-9`, `4`: the seeds, in order, without repeats.
    public static func parseSeeds(_ text: String) throws -> [UInt64] {
        var seeds: [UInt64] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let lo = bounds.first!, let hi = bounds.last!, lo <= hi, hi - lo < 10_000 else {
                throw InputError(file: "command line", place: "--seeds", expected: "seeds like 1-5 or 1,3,7-9 (whole numbers ≥ 0, ranges low-high)",
                                 found: "\"\(text)\"")
            }
            for s in lo...hi where !seeds.contains(s) { seeds.append(s) }
        }
        return seeds
    }

    /// The spec a run of `file` with `seed` runs in `directory`.
    func spec(_ file: String, seed: UInt64, directory: String) throws -> PipelineSpec {
        var spec = try PipelineSpec.load(file, overrides: ["seed=\(seed)"] + overrides)
        spec.runDir = directory
        return spec
    }

    /// Every run of the sweep with what it needs; checks the pipelines, their names, and existing run directories.
    public func plan() throws -> [SweepRunPlan] {
        guard jobs >= 1 else { throw InputError(file: "command line", place: "--jobs", expected: "at least 1", found: "\(jobs)") }
        guard !seeds.isEmpty else { throw InputError(file: "command line", place: "--seeds", expected: "at least one seed") }
        if let bad = overrides.first(where: { $0.hasPrefix("seed=") || $0.hasPrefix("run_dir=") }) {
            throw InputError(file: "--set", place: bad, expected: "a setting other than seed and run_dir (the sweep sets them per run)")
        }
        var arms: [(name: String, file: String)] = []
        for file in pipelines {
            let name = try spec(file, seed: seeds[0], directory: out).name
            if let other = arms.first(where: { $0.name == name }) {
                throw InputError(file: file, place: "$.name", expected: "a name no other pipeline of the sweep has",
                                 found: "\"\(name)\", as \(other.file) has")
            }
            arms.append((name, file))
        }
        // Seed by seed, so that an unfinished sweep has compared every arm on its first seeds.
        var plans: [SweepRunPlan] = []
        for seed in seeds {
            for (name, file) in arms {
                let directory = out + "/" + name + "/seed-\(seed)"
                plans.append(SweepRunPlan(arm: name, file: file, seed: seed, directory: directory, logPath: directory + ".log",
                                          status: try status(file, seed: seed, directory: directory)))
            }
        }
        return plans
    }

    /// finished (summary.json), resume (spec.json only) or fresh; a spec.json that differs from the sweep's is an error.
    func status(_ file: String, seed: UInt64, directory: String) throws -> SweepRunPlan.Status {
        let specPath = directory + "/spec.json"
        guard FileManager.default.fileExists(atPath: specPath) else { return .fresh }
        let existing = try PipelineSpec.load(specPath, checkFiles: false)
        let changed = try SpecDiff.paths(existing, try spec(file, seed: seed, directory: directory))
        guard changed.isEmpty else {
            throw InputError(file: specPath, expected: "the spec this sweep runs for \(file) with seed \(seed)",
                             found: "a run with other settings: \(changed.prefix(5).joined(separator: ", "))",
                             hint: "use another --out directory, or remove \(directory) to run it again")
        }
        return FileManager.default.fileExists(atPath: directory + "/summary.json") ? .finished : .resume
    }

    /// Stops the sweep: the running children get SIGINT (they checkpoint and exit), nothing new starts.
    public func stop() {
        stopFlag.raise()
        children.interruptAll()
    }

    public var isStopped: Bool { stopFlag.isRaised }

    /// Runs what is not finished, then aggregates. Returns the outcome of every run launched and the aggregate.
    public func run() async throws -> (outcomes: [(SweepRunPlan, SweepRunOutcome)], aggregate: SweepAggregate) {
        let plans = try plan()
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let pending = plans.filter { $0.status != .finished }
        let todo = aggregateOnly ? [] : pending
        log("sweep: \(Set(plans.map(\.arm)).count) arms × \(seeds.count) seeds = \(plans.count) runs; "
            + "\(plans.count - pending.count) finished, \(pending.filter { $0.status == .resume }.count) to resume, "
            + "\(pending.filter { $0.status == .fresh }.count) to start; "
            + (aggregateOnly ? "aggregating the finished ones only" : "\(jobs) at a time"))
        var outcomes: [(SweepRunPlan, SweepRunOutcome)] = []
        await withTaskGroup(of: (SweepRunPlan, SweepRunOutcome).self) { group in
            var next = 0
            func launch() {
                guard next < todo.count, !stopFlag.isRaised else { return }
                let plan = todo[next], index = next + 1
                next += 1
                group.addTask { (plan, await self.execute(plan, index: index, of: todo.count)) }
            }
            for _ in 0..<jobs { launch() }
            for await outcome in group {
                outcomes.append(outcome)
                launch()
            }
        }
        let aggregate = try SweepAggregate.build(plans: plans, directory: out, reference: reference)
        return (outcomes, aggregate)
    }

    /// One run as a child process; its outcome from what it left in its directory.
    func execute(_ plan: SweepRunPlan, index: Int, of total: Int) async -> SweepRunOutcome {
        let arguments = plan.status == .resume ? ["resume", plan.directory]
            : ["run", plan.file, "--run-dir", plan.directory] + (["seed=\(plan.seed)"] + overrides).flatMap { ["--set", $0] }
        log("[\(index)/\(total)] \(plan.arm) seed \(plan.seed): \(plan.status == .resume ? "resuming" : "starting"), log \(plan.logPath)")
        let started = Date()
        let status: Int32
        do {
            try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
            status = try await children.run(executable, arguments, logPath: plan.logPath)
        } catch {
            log("[\(index)/\(total)] \(plan.arm) seed \(plan.seed): could not start: \(error)")
            return .failed("\(error)")
        }
        let minutes = String(format: "%.1f min", Date().timeIntervalSince(started) / 60)
        if let summary = try? StrictJSONDecoder().decode(RunSummary.self, fromFile: plan.directory + "/summary.json") {
            let accuracy = String(format: "mean@k %.3f → %.3f", summary.accuracyBefore ?? .nan, summary.accuracyAfter ?? .nan)
            let collapse = summary.collapse.map { "; collapsed at step \($0.step): \($0.reason)" } ?? ""
            log("[\(index)/\(total)] \(plan.arm) seed \(plan.seed): finished in \(minutes), \(accuracy)\(collapse)")
            return .finished
        }
        if stopFlag.isRaised || status == 130 {
            log("[\(index)/\(total)] \(plan.arm) seed \(plan.seed): interrupted after \(minutes)")
            return .interrupted
        }
        let tail = Self.lastLines(plan.logPath, 3)
        log("[\(index)/\(total)] \(plan.arm) seed \(plan.seed): failed (exit \(status)) after \(minutes): \(tail)")
        return .failed("exit \(status): \(tail)")
    }

    static func lastLines(_ path: String, _ n: Int) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(n).joined(separator: " | ")
    }
}

/// The running child processes, so that a stop can interrupt them.
final class Children: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [ObjectIdentifier: Process] = [:]

    /// Runs `executable arguments` with stdout and stderr appended to `logPath`; returns its exit status.
    func run(_ executable: String, _ arguments: [String], logPath: String) async throws -> Int32 {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let output = FileHandle(forWritingAtPath: logPath) else {
            throw SystemError(file: logPath, operation: "open for appending", code: errno)
        }
        output.seekToEndOfFile()
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { [self] p in
                lock.withLock { _ = processes.removeValue(forKey: ObjectIdentifier(p)) }
                continuation.resume(returning: p.terminationStatus)
            }
            do {
                try lock.withLock {
                    try process.run()
                    processes[ObjectIdentifier(process)] = process
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    func interruptAll() {
        lock.withLock { for p in processes.values where p.isRunning { p.interrupt() } }
    }
}
