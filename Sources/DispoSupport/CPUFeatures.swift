// The CPU this process runs on, and the instruction set the engine was compiled for. Package.swift compiles
// DispoEngine for Haswell-class x86-64 (AVX2, FMA, F16C, BMI2, MOVBE) when the building CPU has those features
// and DISPO_PORTABLE=1 is not set, and then defines DISPO_ENGINE_HASWELL for this module too. Such a binary
// dies of an illegal instruction on an older CPU; `checkEngineTarget()` turns that into a clear error and must
// run before any engine code (this module is always compiled for baseline x86-64).

#if canImport(Glibc)
import Glibc
#endif

public enum CPUFeatures {
    /// The feature flags of /proc/cpuinfo's first processor (empty where the file does not exist).
    public static func flags() -> Set<String> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line)
            guard text.hasPrefix("flags"), let colon = text.firstIndex(of: ":") else { continue }
            return Set(text[text.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        }
        return []
    }

    /// What DispoEngine was compiled for: the LLVM CPU name and the /proc/cpuinfo flags it needs, or nil for
    /// the baseline of the architecture.
    public static var engineTarget: (cpu: String, flags: [String])? {
        #if DISPO_ENGINE_HASWELL
        return ("haswell", ["avx2", "fma", "f16c", "bmi2", "movbe"])
        #else
        return nil
        #endif
    }

    /// The engine target's flags missing from `flags` (all present, or a baseline build: empty).
    public static func missingEngineFeatures(flags: Set<String>) -> [String] {
        guard let target = engineTarget else { return [] }
        return target.flags.filter { !flags.contains($0) }
    }

    /// Throws when this binary's engine needs CPU features this machine lacks (where /proc/cpuinfo is readable).
    public static func checkEngineTarget() throws {
        guard let target = engineTarget else { return }
        let flags = flags()
        guard !flags.isEmpty else { return }
        let missing = missingEngineFeatures(flags: flags)
        guard !missing.isEmpty else { return }
        throw InputError(file: "/proc/cpuinfo", place: "flags",
                         expected: "the CPU features this build of dispo's engine was compiled for (\(target.cpu): "
                             + target.flags.joined(separator: ", ") + ")",
                         found: "no " + missing.joined(separator: ", "),
                         hint: "rebuild on this machine, or with DISPO_PORTABLE=1 for any x86-64 CPU")
    }
}
