// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Rapport",
    platforms: [.macOS(.v14), .iOS(.v17)],
    products: [
        .library(name: "RapportModel", targets: ["RapportModel"]),
        .library(name: "RapportMerge", targets: ["RapportMerge"]),
        .library(name: "RapportStore", targets: ["RapportStore"]),
        .library(name: "RapportProtocol", targets: ["RapportProtocol"]),
        .library(name: "RapportClient", targets: ["RapportClient"]),
        .library(name: "RapportServerCore", targets: ["RapportServerCore"]),
        .library(name: "RapportServer", targets: ["RapportServer"]),
        .library(name: "RapportPostgres", targets: ["RapportPostgres"]),
        .library(name: "RapportReport", targets: ["RapportReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Server side only: the PostgreSQL backend of the sync server (RapportPostgres).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Server side only: `GET /metrics` in Prometheus text format (RapportServer).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Documentation only: `swift package generate-documentation` (scripts/docs.sh); links into no target.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "RapportModel", swiftSettings: strict),
        .target(name: "RapportMerge", swiftSettings: strict),
        .target(name: "RapportStore", dependencies: ["CSQLite", "RapportModel", "RapportMerge"], swiftSettings: strict),
        // CSV export and the self-contained HTML report: text generation over the store's queries.
        .target(name: "RapportReport", dependencies: ["RapportModel", "RapportStore"], swiftSettings: strict),
        .target(name: "RapportProtocol", dependencies: ["RapportMerge", "CZlib"], swiftSettings: strict),
        .target(name: "RapportClient", dependencies: ["RapportProtocol", "RapportStore"], swiftSettings: strict),
        .target(
            name: "RapportServerCore",
            dependencies: ["RapportProtocol", "RapportStore", "RapportMerge", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict),
        .target(
            name: "RapportPostgres",
            dependencies: [
                "RapportServerCore", "RapportProtocol", "RapportStore", "RapportMerge",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "RapportServer",
            dependencies: [
                "RapportServerCore", "RapportPostgres", "RapportProtocol", "RapportStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict),
        .target(name: "RapportSimulation", dependencies: ["RapportStore", "RapportClient", "RapportServerCore", "RapportPostgres"], swiftSettings: strict),
        .executableTarget(
            name: "rapport",
            dependencies: [
                "RapportStore", "RapportClient", "RapportServer", "RapportSimulation", "RapportReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "rapport-bench",
            dependencies: [
                "RapportStore", "RapportProtocol", "RapportClient", "RapportServer", "CSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The example app (README, "A live screen"): only what an iOS app links, plus its flags.
        .executableTarget(
            name: "rapport-example",
            dependencies: ["RapportModel", "RapportStore", "RapportClient", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "rapport-crashtest", dependencies: ["RapportStore"], swiftSettings: strict),
        .testTarget(name: "RapportModelTests", dependencies: ["RapportModel"], swiftSettings: strict),
        .testTarget(name: "RapportReportTests", dependencies: ["RapportReport", "RapportStore", "RapportModel"], swiftSettings: strict),
        .testTarget(name: "RapportMergeTests", dependencies: ["RapportMerge"], swiftSettings: strict),
        .testTarget(name: "RapportStoreTests", dependencies: ["RapportStore", "rapport-crashtest"], swiftSettings: strict),
        .testTarget(name: "RapportProtocolTests", dependencies: ["RapportProtocol"], swiftSettings: strict),
        .testTarget(
            name: "RapportServerTests",
            dependencies: ["RapportServer", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strict),
        .testTarget(
            name: "RapportClientTests",
            dependencies: [
                "RapportClient", "RapportServer", "RapportServerCore", "RapportSimulation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "RapportSimulationTests", dependencies: ["RapportSimulation", "RapportClient", "RapportServerCore"], swiftSettings: strict),
        .testTarget(name: "RapportCLITests", dependencies: ["rapport", "RapportStore", "RapportModel", "RapportServerCore", "RapportClient", "RapportProtocol"], swiftSettings: strict),
    ]
)

// Fuzzing (scripts/fuzz.sh): declared only when RAPPORT_FUZZ is set, because the harness links only
// with `-sanitize=fuzzer`; ordinary builds and tests never see it.
if Context.environment["RAPPORT_FUZZ"] != nil {
    package.targets += [
        .systemLibrary(name: "CFuzzerDriver", path: "Fuzz/CFuzzerDriver"),
        .executableTarget(
            name: "rapport-fuzz",
            dependencies: ["RapportStore", "RapportProtocol", "RapportClient", "RapportServerCore", "CFuzzerDriver"],
            path: "Fuzz/rapport-fuzz",
            swiftSettings: strict),
    ]
}
