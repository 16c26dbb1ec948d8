import DispoSupport
import XCTest

final class CPUFeaturesTests: XCTestCase {
    func testFlagsOfThisMachine() throws {
        #if os(Linux) && arch(x86_64)
        let flags = CPUFeatures.flags()
        XCTAssertTrue(flags.isSuperset(of: ["fpu", "sse2"]), "x86-64 always has these; parsed \(flags.count) flags")
        XCTAssertFalse(flags.contains { $0.contains(" ") || $0.contains("\n") || $0.isEmpty })
        #else
        throw XCTSkip("/proc/cpuinfo flags are read on x86-64 Linux only")
        #endif
    }

    func testEngineTargetAgainstFlags() throws {
        // This test runs, so the machine has what the engine was compiled for.
        XCTAssertEqual(CPUFeatures.missingEngineFeatures(flags: CPUFeatures.flags()), [])
        XCTAssertNoThrow(try CPUFeatures.checkEngineTarget())
        guard let target = CPUFeatures.engineTarget else {
            XCTAssertEqual(CPUFeatures.missingEngineFeatures(flags: []), [], "a baseline build needs nothing")
            return
        }
        XCTAssertEqual(CPUFeatures.missingEngineFeatures(flags: []), target.flags)
        XCTAssertEqual(CPUFeatures.missingEngineFeatures(flags: Set(target.flags).subtracting(["fma"])), ["fma"])
    }
}
