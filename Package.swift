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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "RapportModel", swiftSettings: strict),
        .target(name: "RapportMerge", swiftSettings: strict),
        .target(name: "RapportStore", dependencies: ["CSQLite", "RapportModel", "RapportMerge"], swiftSettings: strict),
        .target(name: "RapportProtocol", dependencies: ["RapportMerge"], swiftSettings: strict),
        .executableTarget(
            name: "rapport-bench",
            dependencies: ["RapportStore", "CSQLite", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict),
        .executableTarget(name: "rapport-crashtest", dependencies: ["RapportStore"], swiftSettings: strict),
        .testTarget(name: "RapportModelTests", dependencies: ["RapportModel"], swiftSettings: strict),
        .testTarget(name: "RapportMergeTests", dependencies: ["RapportMerge"], swiftSettings: strict),
        .testTarget(name: "RapportStoreTests", dependencies: ["RapportStore", "rapport-crashtest"], swiftSettings: strict),
        .testTarget(name: "RapportProtocolTests", dependencies: ["RapportProtocol"], swiftSettings: strict),
    ]
)
