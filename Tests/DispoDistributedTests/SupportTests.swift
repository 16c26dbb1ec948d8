// The pieces under the MPI communicator that need no MPI: launch detection from the environment, the wire
// format of gathered blobs, the owner thread, the collective watchdog, and the DISPO_MPI_TIMEOUT setting.
@testable import DispoDistributed
import Foundation
import XCTest

final class SupportTests: XCTestCase {
    func test_launchers_are_detected_from_their_variables() throws {
        XCTAssertNil(try LaunchEnvironment.detect([:]))
        XCTAssertEqual(try LaunchEnvironment.detect(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4"]),
                       LaunchEnvironment(launcher: "mpirun (Open MPI)", rank: 1, size: 4))
        XCTAssertEqual(try LaunchEnvironment.detect(["PMI_RANK": "0", "PMI_SIZE": "2"])?.size, 2)
        XCTAssertEqual(try LaunchEnvironment.detect(["SLURM_PROCID": "3", "SLURM_STEP_NUM_TASKS": "8"]),
                       LaunchEnvironment(launcher: "srun (Slurm)", rank: 3, size: 8))
        // A batch script has SLURM_PROCID and SLURM_NTASKS but is no task of a step.
        XCTAssertNil(try LaunchEnvironment.detect(["SLURM_PROCID": "0", "SLURM_NTASKS": "8"]))
        XCTAssertEqual(try LaunchEnvironment.detect(["PMIX_RANK": "2"]), LaunchEnvironment(launcher: "a PMIx launcher", rank: 2, size: nil))
    }

    func test_malformed_launch_variables_are_errors_naming_them() {
        XCTAssertThrowsError(try LaunchEnvironment.detect(["OMPI_COMM_WORLD_RANK": "x", "OMPI_COMM_WORLD_SIZE": "2"])) {
            XCTAssertTrue("\($0)".contains("OMPI_COMM_WORLD_RANK='x'"), "\($0)")
        }
        XCTAssertThrowsError(try LaunchEnvironment.detect(["PMI_RANK": "2", "PMI_SIZE": "2"])) {
            XCTAssertTrue("\($0)".contains("PMI_RANK=2 is not below PMI_SIZE=2"), "\($0)")
        }
    }

    func test_start_without_a_launcher_is_a_single_process() throws {
        let communicator = try Distributed.start(environment: [:])
        XCTAssertEqual(communicator.size, 1)
        XCTAssertEqual(communicator.implementation, "single process")
    }

    func test_collective_timeout_setting() throws {
        XCTAssertNil(try Distributed.collectiveTimeout([:]))
        XCTAssertNil(try Distributed.collectiveTimeout(["DISPO_MPI_TIMEOUT": "0"]))
        XCTAssertEqual(try Distributed.collectiveTimeout(["DISPO_MPI_TIMEOUT": "90"]), 90)
        XCTAssertThrowsError(try Distributed.collectiveTimeout(["DISPO_MPI_TIMEOUT": "-1"])) {
            XCTAssertTrue("\($0)".contains("DISPO_MPI_TIMEOUT='-1'"), "\($0)")
        }
    }

    func test_wire_round_trip_and_malformed_input() throws {
        var writer = WireWriter()
        writer.string("actor/pg_loss")
        writer.doubles([1.5, -0.0, .infinity])
        writer.int(-3)
        var reader = WireReader(writer.bytes, what: "test")
        XCTAssertEqual(try reader.string(), "actor/pg_loss")
        XCTAssertEqual(try reader.doubles(), [1.5, -0.0, .infinity])
        XCTAssertEqual(try reader.int(), -3)
        XCTAssertNoThrow(try reader.end())
        var short = WireReader(Array(writer.bytes.prefix(20)), what: "metrics from rank 1")
        XCTAssertThrowsError(try short.string()) { XCTAssertTrue("\($0)".contains("metrics from rank 1: malformed message"), "\($0)") }
        var huge = WireWriter()
        huge.int(1 << 40)
        var reader2 = WireReader(huge.bytes, what: "t")
        XCTAssertThrowsError(try reader2.doubles())
    }

    func test_owner_thread_runs_work_in_order_on_one_thread() throws {
        let owner = OwnerThread(name: "test.owner")
        defer { owner.stop() }
        XCTAssertTrue(try owner.run { owner.isCurrent })
        XCTAssertFalse(owner.isCurrent)
        final class Log: @unchecked Sendable { var items: [Int] = []; let lock = NSLock() }
        let log = Log()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            _ = try? owner.run { () -> Bool in
                XCTAssertTrue(owner.isCurrent)
                log.lock.lock(); log.items.append(log.items.count); log.lock.unlock()
                return true
            }
        }
        XCTAssertEqual(log.items, Array(0..<8))
        XCTAssertThrowsError(try owner.run { throw CommunicatorError("inside") }) { XCTAssertEqual("\($0)", "inside") }
    }

    func test_watchdog_fires_only_for_a_collective_that_waits_too_long() {
        final class Fired: @unchecked Sendable { var label: String?; let done = DispatchSemaphore(value: 0) }
        let fired = Fired()
        let watchdog = CollectiveWatchdog(timeout: 0.3) { label, _ in fired.label = label; fired.done.signal() }
        watchdog.begin("quick")
        watchdog.end()
        XCTAssertEqual(fired.done.wait(timeout: .now() + 0.6), .timedOut, "no collective in flight")
        watchdog.begin("learner.gradients")
        XCTAssertEqual(fired.done.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(fired.label, "learner.gradients")
    }
}
