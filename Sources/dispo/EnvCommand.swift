// `dispo env`: what this machine gives dispo — cores, and the versions of the C libraries it links.

import ArgumentParser
import CLZ4
import COpenBLAS
import CZstd
import Foundation

struct EnvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env", abstract: "Print cores and the versions of zstd, lz4 and OpenBLAS in use.")

    func run() async throws {
        print("cores: \(ProcessInfo.processInfo.activeProcessorCount)")
        print("zstd: \(String(cString: ZSTD_versionString()))")
        print("lz4: \(String(cString: LZ4_versionString()))")
        print("openblas: \(String(cString: openblas_get_config())) threads=\(openblas_get_num_threads())")
    }
}
