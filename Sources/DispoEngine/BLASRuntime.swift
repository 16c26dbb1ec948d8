// Which OpenBLAS kernel runs, and a better one when the detection failed. Debian's OpenBLAS 0.3.21 picks its
// kernel at load time from the CPU model; on CPUs newer than the library (e.g. the Xeon with AVX-512 and AMX
// these machines report) it falls back to the SSE3 `Prescott` kernel, 4–8× slower than the AVX2 (`Haswell`)
// or AVX-512 (`SkylakeX`) ones. The choice can only be changed through OPENBLAS_CORETYPE before the library
// loads, so a program that cares (the CLI, benchmarks) calls `reexecWithRecommendedKernel()` at start-up, or
// asks the user to set the variable.

import COpenBLAS
import DispoSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum BLASRuntime {
    /// OpenBLAS's name of the kernel in use, e.g. "Haswell", "SkylakeX", "Prescott".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// OPENBLAS_CORETYPE worth setting, or nil when the loaded kernel already fits the CPU (or the user set it).
    public static func recommendedCoreType(cpuFlags: Set<String>? = nil, current: String? = nil) -> String? {
        if cpuFlags == nil, ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil { return nil }
        let flags = cpuFlags ?? Self.cpuFlags()
        let core = (current ?? coreName).lowercased()
        let generic = ["prescott", "katmai", "coppermine", "northwood", "core2", "penryn", "dunnington", "nehalem",
                       "atom", "unknown"]
        guard generic.contains(core) else { return nil }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// When `recommendedCoreType()` names a better kernel, sets OPENBLAS_CORETYPE and re-executes this program
    /// (/proc/self/exe) with the same arguments, so OpenBLAS loads with that kernel; does not return then.
    /// Call it first thing in `main`, before any thread starts. Returns (doing nothing) when no better kernel is
    /// known, when it already re-executed once (DISPO_BLAS_REEXEC is set), or when exec fails.
    public static func reexecWithRecommendedKernel() {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["DISPO_BLAS_REEXEC"] == nil, let core = recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("DISPO_BLAS_REEXEC", "1", 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", argv)
        for p in argv { free(p) }          // exec failed: go on with the loaded kernel
        #endif
    }

    /// The CPU feature flags of /proc/cpuinfo (empty where it does not exist).
    public static func cpuFlags() -> Set<String> { CPUFeatures.flags() }
}
