// swift-tools-version:6.0
// The BertSlim SDK: everything a plugin compiles against. It is its own package so that the
// host and every plugin link one shared libBertSlimSDK.so (DESIGN.md §1: with the SDK linked
// statically into each image, Swift type metadata is duplicated and `as? any Loss` fails).
import PackageDescription

let package = Package(
    name: "BertSlimSDK",
    products: [
        .library(name: "BertSlimSDK", type: .dynamic, targets: ["BertSlimSDK"]),
        // The plugin ABI header alone (the host reads descriptors with it; it defines no symbols).
        .library(name: "CBertSlimPlugin", targets: ["CBertSlimPlugin"]),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .target(
            name: "CSlimKernels",
            dependencies: ["CDNNL"],
            // Reassociation lets the row reductions (layer norm, softmax sums) vectorise; NaN and
            // infinity semantics are kept (no -ffast-math: masks use -inf and huge negatives).
            cSettings: [.unsafeFlags(["-O3", "-fassociative-math", "-fno-signed-zeros", "-fno-trapping-math"])],
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("dl"), .linkedLibrary("m")]
        ),
        .target(name: "CBertSlimPlugin"),
        .target(
            name: "SlimTensor",
            dependencies: ["CDNNL", "CSlimKernels"],
            swiftSettings: [.unsafeFlags(["-enable-library-evolution"])]
        ),
        .target(
            name: "BertSlimSDK",
            dependencies: ["SlimTensor", "CBertSlimPlugin"],
            swiftSettings: [.unsafeFlags(["-enable-library-evolution"])]
        ),
    ],
    swiftLanguageModes: [.v5]
)
