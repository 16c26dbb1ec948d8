// Two MPI processes: `mpirun -np 2 --oversubscribe dispo-mpi-check SCENARIO` (the scenarios are in
// Sources/dispo-mpi-check). Collectives give the expected values, the data-parallel learner equals one
// process, and a rank that dies or stalls ends the job with an error naming it, within a time limit.
// Skipped (by name) only when this build has no MPI (built with --disable-default-traits).
import DispoDistributed
import Foundation
import XCTest

final class MPIProcessTests: XCTestCase {
    struct Outcome {
        var status: Int32
        var output: String
        var seconds: TimeInterval
    }

    func checkExecutable() throws -> URL {
        guard Distributed.mpiCompiledIn else { throw XCTSkip("MPI is not compiled in (this build disabled the MPI trait)") }
        let candidates = [Bundle.main.bundleURL.deletingLastPathComponent(),
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL]
            .map { $0.appendingPathComponent("dispo-mpi-check") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            XCTFail("dispo-mpi-check not found beside the tests (looked in \(candidates.map(\.path)))")
            throw XCTSkip("no dispo-mpi-check")
        }
        return found
    }

    /// Runs `mpirun -np 2` on the check executable; kills it after `limit` seconds (then fails).
    func mpirun(_ arguments: [String], environment: [String: String] = [:], limit: TimeInterval = 120) throws -> Outcome {
        let executable = try checkExecutable()
        guard let mpirun = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first(where: FileManager.default.isExecutableFile) else {
            XCTFail("MPI is compiled in but mpirun is missing: install openmpi-bin (Tools/setup.sh does)")
            throw XCTSkip("no mpirun")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = ["-np", "2", "--oversubscribe", "--bind-to", "none", executable.path] + arguments
        var env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if getuid() == 0 { env.merge(["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"]) { $1 } }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let started = Date()
        try process.run()
        let killer = DispatchWorkItem { if process.isRunning { process.terminate() } }   // mpirun then ends its ranks
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: killer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        killer.cancel()
        let seconds = Date().timeIntervalSince(started)
        XCTAssertLessThan(seconds, limit, "mpirun \(arguments) ran into the time limit")
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self), seconds: seconds)
    }

    func test_collectives_over_two_mpi_processes() throws {
        let run = try mpirun(["collectives"])
        XCTAssertEqual(run.status, 0, run.output)
        for rank in 0..<2 {
            XCTAssertTrue(run.output.contains("rank \(rank): passed"), run.output)
            XCTAssertTrue(run.output.contains("rank \(rank): ok different collectives detected on every rank"), run.output)
        }
        XCTAssertTrue(run.output.contains("Open MPI"), run.output)
    }

    func test_learner_over_two_mpi_processes_matches_one_process() throws {
        let run = try mpirun(["learner"], limit: 300)
        XCTAssertEqual(run.status, 0, run.output)
        // 4 aggregation modes × 3 layouts, on each rank.
        XCTAssertEqual(run.output.components(separatedBy: "ok learner").count - 1, 24, run.output)
        XCTAssertTrue(run.output.contains("rank 1: passed"), run.output)
    }

    func test_a_killed_rank_ends_the_job_with_an_error_naming_it() throws {
        let run = try mpirun(["die"], limit: 60)
        XCTAssertNotEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("rank 0: waiting at a barrier"), run.output)
        XCTAssertTrue(run.output.contains("rank 1") && run.output.contains("signal 9"), "mpirun names the dead rank: \(run.output)")
        XCTAssertFalse(run.output.contains("FAIL"), run.output)
        XCTAssertLessThan(run.seconds, 30)
    }

    func test_a_stalled_rank_ends_the_job_through_the_watchdog() throws {
        let run = try mpirun(["stall", "60"], environment: ["DISPO_MPI_TIMEOUT": "2"], limit: 45)
        XCTAssertNotEqual(run.status, 0, run.output)
        XCTAssertTrue(run.output.contains("dispo: rank 0 of 2: collective 'check.stall (barrier)' has waited 2 s"), run.output)
        XCTAssertLessThan(run.seconds, 30)
    }
}
