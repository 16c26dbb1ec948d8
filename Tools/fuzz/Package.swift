// swift-tools-version:6.0
// libFuzzer harnesses for dispo's input readers, built apart from the main package (every module compiled
// with `-sanitize=fuzzer`): `bash Tools/fuzz.sh` builds and runs them. Each harness is one executable whose
// `LLVMFuzzerTestOneInput` feeds bytes to a reader and requires that it returns or throws, never traps.
import PackageDescription

let harness: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "dispo-fuzz",
    dependencies: [.package(name: "dispo", path: "../..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "DispoShards", package: "dispo")],
                swiftSettings: [.enableUpcomingFeature("ExistentialAny")]),
        .executableTarget(name: "FuzzShards", dependencies: ["FuzzSupport", .product(name: "DispoShards", package: "dispo")],
                          swiftSettings: harness),
        .executableTarget(name: "FuzzModelFiles", dependencies: ["FuzzSupport", .product(name: "DispoEngine", package: "dispo")],
                          swiftSettings: harness),
        .executableTarget(name: "FuzzSpec", dependencies: ["FuzzSupport", .product(name: "DispoPipeline", package: "dispo")],
                          swiftSettings: harness),
        .executableTarget(name: "FuzzTokenizer", dependencies: ["FuzzSupport", .product(name: "DispoTokenizers", package: "dispo")],
                          swiftSettings: harness),
        .executableTarget(name: "FuzzVerifier", dependencies: ["FuzzSupport", .product(name: "DispoVerifier", package: "dispo")],
                          swiftSettings: harness),
    ],
    swiftLanguageModes: [.v6]
)
