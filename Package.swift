// swift-tools-version:6.0
// The BertSlim host: command-line tool, host library and first-party plugins. Every
// target here links the SDK's one shared library (SDK/ is its own package; see DESIGN.md §1).
import Foundation
import PackageDescription

/// First-party technique plugins: each is a folder `Plugins/<Name>` built as its own
/// `.dynamic` library linking the one libBertSlimSDK.so. Adding a plugin is a folder and a name here.
let pluginNames = [
    "BasicLosses",
    "HintonKD",
    "BertStudent",
    "LogisticRegressionStudent",
    "BiLSTMStudent",
    "TangAugmentation",
    "TinyBERT",
    "SixteenHeads",
    "LRPHeads",
    "MagnitudePruning",
    "NeuronPruning",
    "Q8BERT",
    "QBERT",
    "KMeansQuant",
    "PKD",
    "EnsembleTeacher",
]

let sdk: Target.Dependency = .product(name: "BertSlimSDK", package: "SDK")

/// The `mpi` communicator plugin needs Open MPI's headers (Debian's libopenmpi-dev, which
/// `make deps` installs); without them the package builds, runs and tests single-process.
let mpiAvailable = ["/usr/lib/x86_64-linux-gnu/pkgconfig/ompi-c.pc", "/usr/lib/pkgconfig/ompi-c.pc", "/usr/share/pkgconfig/ompi-c.pc"]
    .contains { FileManager.default.fileExists(atPath: $0) }
let mpiPlugins = mpiAvailable ? ["MPICommunicator"] : []

let package = Package(
    name: "BertSlim",
    products: [
        .executable(name: "bertslim", targets: ["bertslim"]),
        .library(name: "BertSlimHost", targets: ["BertSlimHost"]),
        .library(name: "BertSlimLedger", targets: ["BertSlimLedger"]),
    ] + (pluginNames + mpiPlugins).map { .library(name: $0, type: .dynamic, targets: [$0]) }
      // The fuzz targets as the shared library libFuzzer's driver links (scripts/fuzz.py sets
      // BERTSLIM_FUZZ, in its own build folder). Not in other builds: beside the plugins, the
      // host would take it for a plugin without an entry point.
      + (Context.environment["BERTSLIM_FUZZ"] == nil ? [] : [.library(name: "BertSlimFuzz", type: .dynamic, targets: ["BertSlimFuzz"])]),
    dependencies: [
        .package(path: "SDK"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The run ledger's SQLite (the system's libsqlite3, Debian's libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(name: "CLtdl", path: "Sources/CLtdl"),
        .target(
            name: "BertSlimHost",
            dependencies: [sdk, .product(name: "CBertSlimPlugin", package: "SDK"), "CLtdl",
                           .product(name: "Yams", package: "Yams")]
        ),
        // Every run, model and measurement in one SQLite database (`bertslim runs`).
        .target(
            name: "BertSlimLedger",
            dependencies: ["BertSlimHost", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Yams", package: "Yams")]
        ),
        // Every parser of strangers' files as a libFuzzer target (`make fuzz`; the tests replay Tests/Fuzz).
        .target(
            name: "BertSlimFuzz",
            dependencies: ["BertSlimHost", sdk, .product(name: "CBertSlimPlugin", package: "SDK")]
        ),
        .executableTarget(
            name: "bertslim",
            dependencies: ["BertSlimHost", "BertSlimLedger", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Every Communicator operation under mpirun against serial results (DistributedTests).
        .executableTarget(
            name: "collectives-check",
            dependencies: ["BertSlimHost", sdk]
        ),
        // The Swift half of scripts/check-tokenizer.py (tokenizer parity and speed).
        .executableTarget(
            name: "tokenize-check",
            dependencies: [sdk]
        ),
        .testTarget(
            name: "SlimTensorTests",
            dependencies: [sdk],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "BertSlimSDKTests",
            dependencies: [sdk],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PluginTests",
            dependencies: ["BertSlimHost", "BertSlimLedger", "BertSlimFuzz", sdk, .product(name: "CBertSlimPlugin", package: "SDK"),
                           .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Fixtures"]
        ),
        // The ledger on in-memory and temporary SQLite files: queries, migrations from a committed
        // old-schema file, refusals, concurrent writers, the frontier report in a headless browser.
        .testTarget(
            name: "BertSlimLedgerTests",
            dependencies: ["BertSlimLedger", "BertSlimHost", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]
        ),
        // Q8BERT's types directly (the int8 model against its fake-quantized reference).
        .testTarget(
            name: "Q8BERTTests",
            dependencies: ["Q8BERT", sdk]
        ),
    ] + pluginNames.map { .target(name: $0, dependencies: [sdk], path: "Plugins/\($0)") }
      + (mpiAvailable ? [
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CMPIShim", dependencies: ["CMPI"], path: "Sources/CMPIShim"),
        .target(name: "MPICommunicator", dependencies: [sdk, "CMPIShim"], path: "Plugins/MPICommunicator"),
      ] : []),
    swiftLanguageModes: [.v5]
)
