// How a dispo process finds its communicator: started by an MPI launcher (`mpirun`, `srun`) it joins the
// launched ranks over MPI; started on its own it is a single process. A binary built without MPI (the
// package's MPI trait disabled) that finds itself launched as one of several ranks stops with an error rather
// than run N independent copies of the job.

import Foundation

public enum Distributed {
    /// Whether this binary was built with MPI (the package's `MPI` trait, on by default).
    public static var mpiCompiledIn: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }

    /// The linked MPI library's version string, or nil when MPI is not compiled in. Needs no MPI start.
    public static var mpiLibraryVersion: String? {
        #if MPI
        return MPICommunicator.libraryVersion()
        #else
        return nil
        #endif
    }

    private static let started = NSLock()
    nonisolated(unsafe) private static var hasStarted = false   // guarded by `started`

    /// The communicator of this process: MPI when an MPI launcher started it (and MPI is compiled in), else a
    /// single process. Call it once per process, before any other thread could use MPI. Reads
    /// DISPO_MPI_TIMEOUT (seconds; the collective watchdog, off when unset or 0).
    public static func start(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Communicator {
        started.lock()
        defer { started.unlock() }
        guard !hasStarted else { throw CommunicatorError("Distributed.start was called twice (MPI starts once per process)") }
        guard let launch = try LaunchEnvironment.detect(environment) else { return SingleProcessCommunicator() }
        let timeout = try collectiveTimeout(environment)
        #if MPI
        hasStarted = true
        let communicator = try MPICommunicator(timeout: timeout)
        if let expected = launch.size, expected != communicator.size {
            throw CommunicatorError("\(launch.launcher) started \(expected) processes but MPI joined \(communicator.size) of them; "
                                    + "under Slurm launch with `srun --mpi=pmix` (or pmi2) so that MPI can connect the ranks")
        }
        return communicator
        #else
        _ = timeout
        if let size = launch.size, size > 1 {
            throw CommunicatorError("this dispo was built without MPI but \(launch.launcher) started it as rank \(launch.rank) of \(size); "
                                    + "rebuild with MPI (install libopenmpi-dev, then `swift build -c release` without "
                                    + "--disable-default-traits) or run a single process")
        }
        return SingleProcessCommunicator()
        #endif
    }

    /// DISPO_MPI_TIMEOUT in seconds, nil when unset or 0.
    static func collectiveTimeout(_ environment: [String: String]) throws -> TimeInterval? {
        guard let text = environment["DISPO_MPI_TIMEOUT"] else { return nil }
        guard let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else {
            throw CommunicatorError("DISPO_MPI_TIMEOUT='\(text)' is not a number of seconds ≥ 0 (0 turns the collective watchdog off)")
        }
        return seconds == 0 ? nil : seconds
    }
}
