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
    ],
    targets: [
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "RapportModel", swiftSettings: strict),
        .target(name: "RapportMerge", swiftSettings: strict),
        .target(name: "RapportStore", dependencies: ["CSQLite", "RapportModel", "RapportMerge"], swiftSettings: strict),
        .testTarget(name: "RapportModelTests", dependencies: ["RapportModel"], swiftSettings: strict),
        .testTarget(name: "RapportMergeTests", dependencies: ["RapportMerge"], swiftSettings: strict),
        .testTarget(name: "RapportStoreTests", dependencies: ["RapportStore"], swiftSettings: strict),
    ]
)
