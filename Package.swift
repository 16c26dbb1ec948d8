// swift-tools-version:6.1
// dispo: reinforcement learning for mathematical reasoning on CPUs, built around DISPO.
// Modules, leaf first (each layer uses only the layers above it):
//   DispoSupport
//   → DispoShards, DispoTokenizers, DispoVerifier, DispoLosses, DispoEngine, DispoChannels
//   → DispoDistributed (collectives: one process, threads, or MPI ranks)
//   → DispoDatasets (datasets → shards), DispoLearner (rollout records, the learner), DispoPlots
//   → DispoRollout (backends: local, server pools), DispoRewards (reward components, plugins), DispoServe
//   → DispoPipeline (the run: spec, stages, policy store, checkpoints, recorder, evaluation)
//   → DispoJobs (the work behind each command) → DispoBench → dispo (the command line).
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// DispoEngine's element-wise kernels (SIMD8 exp, softmax, SwiGLU, AdamW, …) run on 256-bit vectors only when
/// compiled for a CPU that has them; Swift's x86-64 baseline has 128-bit SSE. So on an
/// x86-64 Linux machine whose CPU has the Haswell features (AVX2, FMA, F16C, BMI2, MOVBE: Intel Core since 2013,
/// AMD Zen) the engine is compiled for `haswell`, and DISPO_ENGINE_HASWELL tells DispoSupport, whose
/// `CPUFeatures.checkEngineTarget()` stops such a binary with a clear error on an older CPU.
/// DISPO_PORTABLE=1 in the build's environment compiles for the baseline instead.
let engineForHaswell: Bool = {
    #if arch(x86_64) && os(Linux)
    guard ProcessInfo.processInfo.environment["DISPO_PORTABLE"] != "1",
          let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let flags = Set(line.split(separator: " ").map(String.init))
    return ["avx2", "fma", "f16c", "bmi2", "movbe"].allSatisfy(flags.contains)
    #else
    return false
    #endif
}()
let engineTarget: [SwiftSetting] = engineForHaswell
    ? [.unsafeFlags(["-target-cpu", "haswell"]), .define("DISPO_ENGINE_HASWELL")] : []
let engineTargetKnown: [SwiftSetting] = engineForHaswell ? [.define("DISPO_ENGINE_HASWELL")] : []

// MPI (data-parallel runs under `mpirun`/`srun`, docs/SCALING.md): the `MPI` trait, on by default, compiles
// Open MPI support into DispoDistributed through CMPI (Debian: libopenmpi-dev, found with pkg-config `mpi`).
// `swift build --disable-default-traits` builds a single-process dispo that needs no MPI library.
// oneDNN (bf16 prefill products, `--prefill-precision bf16`): the `OneDNN` trait, on by default, compiles
// them into DispoEngine through CDNNL (Debian: libdnnl-dev). Without it, asking for bf16 prefill is an error.
let traits: Set<Trait> = [
    .trait(name: "MPI", description: "Data-parallel runs over MPI (needs an MPI library: Debian libopenmpi-dev)."),
    .trait(name: "OneDNN", description: "bf16 prefill products through oneDNN (needs Debian libdnnl-dev)."),
    .default(enabledTraits: ["MPI", "OneDNN"]),
]
let mpiDependency: Target.Dependency = .target(name: "CMPI", condition: .when(traits: ["MPI"]))
let dnnlDependency: Target.Dependency = .target(name: "CDNNL", condition: .when(traits: ["OneDNN"]))

let package = Package(
    name: "dispo",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dispo", targets: ["dispo"]),
        .library(name: "DispoShards", targets: ["DispoShards"]),
        .library(name: "DispoTokenizers", targets: ["DispoTokenizers"]),
        .library(name: "DispoDatasets", targets: ["DispoDatasets"]),
        .library(name: "DispoEngine", targets: ["DispoEngine"]),
        .library(name: "DispoVerifier", targets: ["DispoVerifier"]),
        .library(name: "DispoLosses", targets: ["DispoLosses"]),
        .library(name: "DispoLearner", targets: ["DispoLearner"]),
        .library(name: "DispoPipeline", targets: ["DispoPipeline"]),
        .library(name: "DispoDistributed", targets: ["DispoDistributed"]),
    ],
    traits: traits,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `dispo serve`'s HTTP server (NIOHTTP1 parses and writes HTTP; the rollout client uses Foundation's URLSession).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System C libraries (Debian: libzstd-dev, liblz4-dev, libopenblas-dev, pkg-config).
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CLZ4", path: "Sources/CLZ4", pkgConfig: "liblz4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "mpi", providers: [.apt(["libopenmpi-dev"])]),
        // Debian's libdnnl-dev ships no pkg-config file: headers in /usr/include, the module map links libdnnl.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),

        .target(name: "DispoSupport", swiftSettings: strict + engineTargetKnown),
        .target(name: "DispoShards", dependencies: ["DispoSupport", "CZstd", "CLZ4"], swiftSettings: strict),
        .target(name: "DispoTokenizers", dependencies: ["DispoSupport"], swiftSettings: strict),
        .target(name: "DispoEngine", dependencies: ["DispoSupport", "COpenBLAS", dnnlDependency], swiftSettings: strict + engineTarget),
        .target(name: "DispoVerifier", dependencies: ["DispoSupport"], swiftSettings: strict),
        .target(name: "DispoLosses", dependencies: ["DispoSupport"], swiftSettings: strict),
        .target(name: "DispoChannels", dependencies: ["DispoSupport"], swiftSettings: strict),
        .target(name: "DispoDatasets", dependencies: ["DispoSupport", "DispoShards", "DispoTokenizers", "DispoVerifier"],
                swiftSettings: strict),
        // Rollouts on inference servers: the backend contract, the local and server-pool backends, weight sync
        // (DispoRollout); `dispo serve`, the engine behind a vLLM-compatible HTTP API (DispoServe).
        .target(name: "DispoRollout", dependencies: ["DispoSupport", "DispoEngine"], swiftSettings: strict),
        .target(name: "DispoServe", dependencies: [
            "DispoSupport", "DispoEngine", "DispoTokenizers", "DispoRollout",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: strict),
        .target(name: "DispoDistributed", dependencies: ["DispoSupport", mpiDependency], swiftSettings: strict),
        // Runs the multi-rank checks of DispoDistributedTests under `mpirun` (a test helper, not installed).
        .executableTarget(name: "dispo-mpi-check", dependencies: ["DispoDistributed", "DispoLearner", "DispoEngine", "DispoLosses",
                                                                 "DispoSupport"], swiftSettings: strict),
        .target(name: "DispoLearner", dependencies: ["DispoSupport", "DispoShards", "DispoEngine", "DispoLosses", "DispoDistributed"],
                swiftSettings: strict),
        .target(name: "DispoPlots", dependencies: ["DispoSupport", "DispoLosses"], swiftSettings: strict),
        .target(name: "DispoRewards", dependencies: ["DispoSupport", "DispoVerifier", "DispoChannels", "DispoRollout"],
                swiftSettings: strict),
        .target(name: "DispoPipeline", dependencies: ["DispoSupport", "DispoShards", "DispoTokenizers", "DispoEngine", "DispoLosses",
                                                    "DispoVerifier", "DispoChannels", "DispoLearner", "DispoRollout", "DispoRewards",
                                                    "DispoPlots", "DispoDatasets", "DispoDistributed"],
                swiftSettings: strict),
        .target(name: "DispoJobs", dependencies: ["DispoSupport", "DispoShards", "DispoTokenizers", "DispoEngine", "DispoVerifier",
                                                "DispoLosses", "DispoLearner", "DispoPipeline", "DispoPlots"], swiftSettings: strict),
        .target(name: "DispoBench", dependencies: ["DispoSupport", "DispoShards", "DispoTokenizers", "DispoEngine",
                                                 "DispoVerifier", "DispoLosses", "DispoChannels", "DispoPipeline", "CLZ4",
                                                 "DispoLearner", "DispoDistributed", "DispoServe"],
                swiftSettings: strict),
        .executableTarget(name: "dispo", dependencies: [
            "DispoSupport", "DispoShards", "DispoTokenizers", "DispoDatasets", "DispoEngine", "DispoVerifier", "DispoLosses",
            "DispoLearner", "DispoPlots", "DispoPipeline", "DispoJobs", "DispoBench",
            "DispoRollout", "DispoServe", "DispoDistributed", "COpenBLAS", "CZstd", "CLZ4",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),

        .testTarget(name: "DispoSupportTests", dependencies: ["DispoSupport"], swiftSettings: strict),
        .testTarget(name: "DispoShardsTests", dependencies: ["DispoShards", "DispoSupport"], swiftSettings: strict),
        .testTarget(name: "DispoTokenizersTests", dependencies: ["DispoTokenizers", "DispoSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DispoEngineTests", dependencies: ["DispoEngine", "DispoSupport"],
                    exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DispoVerifierTests", dependencies: ["DispoVerifier"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DispoLossesTests", dependencies: ["DispoLosses"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "DispoChannelsTests", dependencies: ["DispoChannels"], swiftSettings: strict),
        .testTarget(name: "DispoLearnerTests", dependencies: ["DispoLearner", "DispoEngine", "DispoLosses", "DispoShards", "DispoSupport",
                                                            "DispoDistributed"],
                    swiftSettings: strict),
        .testTarget(name: "DispoRewardsTests", dependencies: ["DispoRewards", "DispoVerifier", "DispoSupport"], swiftSettings: strict),
        .testTarget(name: "DispoDistributedTests", dependencies: ["DispoDistributed", "DispoLearner", "DispoEngine", "DispoLosses",
                                                                "DispoSupport", "dispo-mpi-check", "dispo"], swiftSettings: strict),
        .testTarget(name: "DispoPlotsTests", dependencies: ["DispoPlots", "DispoSupport"], swiftSettings: strict),
        .testTarget(name: "DispoJobsTests", dependencies: ["DispoJobs", "DispoPipeline", "DispoSupport"], swiftSettings: strict),
        .testTarget(name: "DispoPipelineTests", dependencies: ["DispoPipeline", "DispoChannels", "DispoLearner", "DispoEngine", "DispoServe", "DispoRollout",
                                                             "DispoShards", "DispoSupport", "DispoVerifier", "DispoTokenizers",
                                                             "DispoDistributed"],
                    swiftSettings: strict),
        .testTarget(name: "DispoDatasetsTests", dependencies: ["DispoDatasets", "DispoShards", "DispoTokenizers", "DispoSupport"],
                    swiftSettings: strict),
        .testTarget(name: "DispoBenchTests", dependencies: ["DispoBench"], swiftSettings: strict),
        .testTarget(name: "DispoRolloutTests", dependencies: ["DispoRollout", "DispoServe", "DispoEngine", "DispoSupport"],
                    swiftSettings: strict),
        .testTarget(name: "DispoServeTests", dependencies: ["DispoServe", "DispoRollout", "DispoEngine", "DispoSupport", "dispo"],
                    swiftSettings: strict),
        .testTarget(name: "DispoCLITests", dependencies: ["dispo", "DispoShards", "DispoEngine", "DispoPipeline", "DispoSupport", "DispoTokenizers",
                                                        "DispoPlots", "DispoDatasets"],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
