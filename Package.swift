// swift-tools-version:6.0
// The BertSlim host: command-line tool, host library and first-party plugins. Every
// target here links the SDK's one shared library (SDK/ is its own package; see DESIGN.md §1).
import PackageDescription

let package = Package(
    name: "BertSlim",
    products: [
        .executable(name: "bertslim", targets: ["bertslim"]),
        .library(name: "BertSlimHost", targets: ["BertSlimHost"]),
    ],
    dependencies: [
        .package(path: "SDK"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CLtdl", path: "Sources/CLtdl"),
        .target(
            name: "BertSlimHost",
            dependencies: [.product(name: "BertSlimSDK", package: "SDK"), "CLtdl",
                           .product(name: "Yams", package: "Yams")]
        ),
        .executableTarget(
            name: "bertslim",
            dependencies: ["BertSlimHost", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // The Swift half of scripts/check-tokenizer.py (tokenizer parity and speed).
        .executableTarget(
            name: "tokenize-check",
            dependencies: [.product(name: "BertSlimSDK", package: "SDK")]
        ),
        .testTarget(
            name: "SlimTensorTests",
            dependencies: [.product(name: "BertSlimSDK", package: "SDK")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BertSlimSDKTests",
            dependencies: [.product(name: "BertSlimSDK", package: "SDK")],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
