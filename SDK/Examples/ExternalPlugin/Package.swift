// swift-tools-version:6.0
// A third-party BertSlim plugin, built out of tree: it depends on the SDK package by path and
// produces one shared library that links libBertSlimSDK.so (never a copy of it). It builds in
// the Swift 6 language mode; the SDK itself is Swift 5 mode, which does not matter to clients.
import PackageDescription

let package = Package(
    name: "ExternalPlugin",
    products: [
        .library(name: "CosineDistillation", type: .dynamic, targets: ["CosineDistillation"]),
    ],
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .target(name: "CosineDistillation", dependencies: [.product(name: "BertSlimSDK", package: "SDK")]),
    ]
)
