// Whether this process was started by an MPI launcher, and as which rank of how many, from the variables the
// launchers set: Open MPI's `mpirun` (OMPI_COMM_WORLD_RANK/SIZE), PMI launchers such as MPICH's Hydra or
// `srun --mpi=pmi2` (PMI_RANK/SIZE), Slurm's `srun` (SLURM_PROCID, SLURM_STEP_NUM_TASKS: set for the tasks of a
// job step, not for the batch script) and PMIx (PMIX_RANK; no size). MPI's own rank and size are
// authoritative; these decide whether to start MPI at all and are checked against what MPI reports, which
// catches the classic mistake of `srun` without a PMI plug-in (N processes that each think they are alone).

import Foundation

public struct LaunchEnvironment: Sendable, Equatable {
    /// Who started the process, for messages ("mpirun (Open MPI)").
    public var launcher: String
    public var rank: Int
    /// Number of processes, when the launcher says (PMIx alone does not).
    public var size: Int?

    public init(launcher: String, rank: Int, size: Int?) {
        self.launcher = launcher
        self.rank = rank
        self.size = size
    }

    /// The launch this environment describes, or nil for a process started on its own.
    public static func detect(_ environment: [String: String]) throws -> LaunchEnvironment? {
        let schemes: [(launcher: String, rank: String, size: String?)] = [
            ("mpirun (Open MPI)", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
            ("a PMI launcher (MPICH Hydra, srun --mpi=pmi2)", "PMI_RANK", "PMI_SIZE"),
            ("srun (Slurm)", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS"),
            ("a PMIx launcher", "PMIX_RANK", nil),
        ]
        for scheme in schemes {
            guard let rankText = environment[scheme.rank] else { continue }
            if scheme.size.map({ environment[$0] == nil }) ?? false { continue }   // e.g. SLURM_PROCID in a batch script
            let rank = try number(rankText, name: scheme.rank, minimum: 0)
            let size = try scheme.size.map { try number(environment[$0]!, name: $0, minimum: 1) }
            if let size, rank >= size {
                throw CommunicatorError("\(scheme.rank)=\(rank) is not below \(scheme.size!)=\(size) (set by \(scheme.launcher))")
            }
            return LaunchEnvironment(launcher: scheme.launcher, rank: rank, size: size)
        }
        return nil
    }

    private static func number(_ text: String, name: String, minimum: Int) throws -> Int {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= minimum else {
            throw CommunicatorError("the environment variable \(name)='\(text)' is not an integer ≥ \(minimum)")
        }
        return value
    }
}
