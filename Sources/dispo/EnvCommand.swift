// `dispo env`: what this machine gives dispo — cores, the versions of the C libraries it links, the CPU
// the engine was compiled for, whether bf16 prefill products can run, and whether MPI is compiled in (and which library).

import ArgumentParser
import CLZ4
import COpenBLAS
import CZstd
import DispoDistributed
import DispoEngine
import DispoSupport
import Foundation

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Print cores, the versions of zstd, lz4, OpenBLAS and MPI in use, and the CPU the engine was compiled for.")

    func run() async throws {
        print("cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        print("zstd: \(String(cString: ZSTD_versionString()))")
        print("lz4: \(String(cString: LZ4_versionString()))")
        print("openblas: \(String(cString: openblas_get_config())) threads=\(openblas_get_num_threads())")
        print("engine compiled for: " + (CPUFeatures.engineTarget.map { "\($0.cpu) (\($0.flags.joined(separator: ", ")))" }
                                         ?? "the architecture's baseline (portable)"))
        print("bf16 prefill (oneDNN): " + (PrefillPrecision.bf16.unavailability.map { "unavailable: \($0)" } ?? "available"))
        print("mpi: " + (Distributed.mpiLibraryVersion ?? "not compiled in (built with --disable-default-traits): single process only"))
    }
}
