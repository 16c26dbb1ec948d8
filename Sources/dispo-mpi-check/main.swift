// dispo-mpi-check: the multi-rank checks of DispoDistributedTests, run as MPI processes
// (`mpirun -np 2 dispo-mpi-check SCENARIO`). A test helper, not part of the installed tools.
//
//   collectives   every collective of the Communicator, with expected values, and the label check
//   learner       the data-parallel learner equals one process on the whole batch, for every aggregation mode
//   die           rank 1 kills itself (SIGKILL) after one collective while rank 0 waits in the next
//   stall S       rank 1 sleeps S seconds before a barrier (with DISPO_MPI_TIMEOUT, rank 0's watchdog fires)
//
// Each rank prints "rank R: ok …" per passed check and "rank R: passed" at the end; a failed check prints
// "rank R: FAIL …" to standard error and exits 1.

import DispoDistributed
import Foundation

func fail(_ rank: Int, _ message: String) -> Never {
    FileHandle.standardError.write(Data("rank \(rank): FAIL \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let scenario = arguments.first else {
    FileHandle.standardError.write(Data("usage: dispo-mpi-check collectives|learner|die|stall SECONDS\n".utf8))
    exit(2)
}
let communicator: any Communicator
do {
    communicator = try Distributed.start()
} catch {
    FileHandle.standardError.write(Data("dispo-mpi-check: \(error)\n".utf8))
    exit(1)
}
let rank = communicator.rank
print("rank \(rank): \(communicator.implementation)")

do {
    switch scenario {
    case "collectives":
        try CollectiveChecks(communicator).run()
    case "learner":
        try LearnerChecks(communicator).run()
    case "die":
        try communicator.barrier(label: "check.before")
        if rank == 1 {
            print("rank 1: killing itself")
            fflush(nil)
            kill(getpid(), SIGKILL)
        }
        print("rank \(rank): waiting at a barrier")
        fflush(nil)
        try communicator.barrier(label: "check.after")
        fail(rank, "the barrier returned although rank 1 is dead")
    case "stall":
        let seconds = UInt32(arguments.dropFirst().first.flatMap { UInt32($0) } ?? 30)
        if rank == 1 { sleep(seconds) }
        print("rank \(rank): waiting at a barrier")
        fflush(nil)
        try communicator.barrier(label: "check.stall")
    default:
        fail(rank, "unknown scenario \(scenario)")
    }
    try communicator.finalize()
    print("rank \(rank): passed")
} catch {
    fail(rank, "\(error)")
}
