import BertSlimHost
import Foundation
import Testing

/// 1 − cos per row, averaged, in Double.
func cosineLoss(_ s: [Float], _ t: [Float], width: Int) -> Double {
    var total = 0.0
    let rows = s.count / width
    for row in 0..<rows {
        let a = s[row * width..<(row + 1) * width].map(Double.init), b = t[row * width..<(row + 1) * width].map(Double.init)
        let dot = zip(a, b).map(*).reduce(0, +)
        let norms = (a.map { $0 * $0 }.reduce(0, +) * b.map { $0 * $0 }.reduce(0, +)).squareRoot()
        total += 1 - dot / norms
    }
    return total / Double(rows)
}

/// Loads the plugins in `folder` through BERTSLIM_PLUGIN_PATH, makes `cosine-embedding`
/// and checks its value and one gradient against Double arithmetic.
func checkCosineLoss(pluginFolder folder: URL, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let host = PluginHost(options: .init(environment: ["BERTSLIM_PLUGIN_PATH": folder.path], includeDefaultLocations: false))
    let problems = host.load()
    #expect(problems.isEmpty, "\(problems)", sourceLocation: sourceLocation)
    #expect(host.plugins.map(\.manifest.id) == ["org.example.cosine-distillation"], sourceLocation: sourceLocation)
    let loss = try host.make("cosine-embedding", as: (any Loss).self, config: .yaml("source: logits"))
    let parameter = Parameter(Tensor(shape: [2, 3], scalars: studentLogits))
    func value(_ student: Tensor) throws -> Tensor {
        try loss(student: ModelOutput(logits: student), teacher: ModelOutput(logits: Tensor(shape: [2, 3], scalars: teacherLogits)),
                 batch: batch(labels: [0, 1]))
    }
    let computed = try value(parameter.tensor)
    expectClose(computed.item, cosineLoss(studentLogits, teacherLogits, width: 3), sourceLocation: sourceLocation)
    computed.backward()
    // ∂L/∂s₀ by central differences in Double.
    let h: Float = 1e-2
    var up = studentLogits, down = studentLogits
    up[0] += h
    down[0] -= h
    let numeric = (cosineLoss(up, teacherLogits, width: 3) - cosineLoss(down, teacherLogits, width: 3)) / Double(2 * h)
    expectClose(try #require(parameter.grad).scalars[0], numeric, atol: 1e-4, rtol: 1e-2, sourceLocation: sourceLocation)
    // Pooled vectors are the default source; a student without them is an error, not a trap.
    let pooledLoss = try host.make("cosine-embedding", as: (any Loss).self)
    #expect(throws: ComponentError.self, sourceLocation: sourceLocation) {
        try pooledLoss(student: ModelOutput(logits: nil), teacher: ModelOutput(logits: nil), batch: batch(labels: [0]))
    }
    try checkExamplePruner(host, sourceLocation: sourceLocation)
}

/// The example pruner keeps the SDK's pruner contract: one score per remaining head under
/// `PruningScores.headGroup(layer:)`, the target counted over original heads, what a step
/// removed by group, a layer never emptied.
func checkExamplePruner(_ host: PluginHost, sourceLocation: SourceLocation) throws {
    let pruner = try host.make("weight-norm-heads", as: (any Pruner).self)
    let model = BertModel(config: BertConfig(vocabSize: 20, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4,
                                             intermediateSize: 16, maxPositionEmbeddings: 8), seed: 5)
    // Head 2 of layer 0 gets the smallest output columns.
    let w = model.layers[0].attentionOutput
    w.value = Tensor(shape: w.shape, scalars: w.value.scalars.enumerated().map { $0.offset % 16 / 4 == 2 ? $0.element * 0.01 : $0.element })
    let scores = try pruner.score(model, batches: [])
    #expect(scores.groups.keys.sorted() == [PruningScores.headGroup(layer: 0), PruningScores.headGroup(layer: 1)], sourceLocation: sourceLocation)
    let first = try pruner.prune(model, scores: scores, target: 0.125)  // 1 of 8 heads
    #expect(first.removed == [PruningScores.headGroup(layer: 0): [2]], sourceLocation: sourceLocation)
    let second = try pruner.prune(model, scores: try pruner.score(model, batches: []), target: 1)
    #expect(model.remainingHeads.map(\.count) == [1, 1] && second.removed.values.map(\.count).reduce(0, +) == 5,
            sourceLocation: sourceLocation)
}

@Suite("Third-party plugins", .serialized)
struct ExternalPluginTests {
    @Test func theExamplePackageBuiltOutOfTreeLoadsThroughTheEnvironment() throws {
        let products = try ExternalPackageBuild.products.get()
        try checkCosineLoss(pluginFolder: products)
    }

    @Test func theExampleSourcesBuiltWithPlainSwiftcAgainstTheSDKFolderLoad() throws {
        let sdk = try SDKFolder.folder.get()
        let work = try TestEnvironment.temporaryFolder("plain-swiftc")
        let sources = try FileManager.default.contentsOfDirectory(atPath: sdk.appendingPathComponent("examples/CosineDistillation").path)
            .filter { $0.hasSuffix(".swift") }.sorted().map { sdk.appendingPathComponent("examples/CosineDistillation/\($0)").path }
        // Compiled against the folder alone: interfaces, the one library, nothing from this build.
        try runCommand("swiftc", ["-emit-library", "-module-name", "CosinePlugin", "-module-cache-path",
                                  work.appendingPathComponent("module-cache").path,
                                  "-I", sdk.appendingPathComponent("modules").path,
                                  "-L", sdk.appendingPathComponent("lib").path, "-lBertSlimSDK"]
                       + sources + ["-o", work.appendingPathComponent("libCosinePlugin.so").path])
        try checkCosineLoss(pluginFolder: work)
    }

    @Test func theSDKInterfaceImportsNoInternalCModule() throws {
        let sdk = try SDKFolder.folder.get()
        for module in ["BertSlimSDK", "SlimTensor"] {
            let folder = sdk.appendingPathComponent("modules/\(module).swiftmodule")
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".swiftinterface") })
            let imports = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n").filter { $0.contains("import ") && !$0.hasPrefix(" ") && !$0.hasPrefix("//") }
            #expect(imports.allSatisfy { ["import Swift", "import _Concurrency", "import _StringProcessing",
                                          "import _SwiftConcurrencyShims", "@_exported import SlimTensor"].contains(String($0)) },
                    "\(module): \(imports)")
        }
    }
}

@Suite("SDK linkage (DESIGN.md §1)", .serialized)
struct LinkageTests {
    @Test func everyFirstPartyPluginLinksTheOneSDK() throws {
        let build = TestEnvironment.buildDirectory
        let plugins = try FileManager.default.contentsOfDirectory(atPath: build.path)
            .filter { $0.hasPrefix("lib") && $0.hasSuffix(".so") && $0 != "libBertSlimSDK.so" }
        #expect(plugins.contains("libBasicLosses.so"))
        for plugin in plugins {
            let linkage = try sdkLinkage(of: build.appendingPathComponent(plugin))
            #expect(linkage.needsSDK, "\(plugin) does not link libBertSlimSDK.so")
            #expect(linkage.ownSDKSymbols.isEmpty, "\(plugin) defines SDK symbols: \(linkage.ownSDKSymbols.prefix(3))")
        }
    }

    @Test func theExternalPackagesPluginLinksTheOneSDK() throws {
        let linkage = try sdkLinkage(of: try ExternalPackageBuild.products.get().appendingPathComponent("libCosineDistillation.so"))
        #expect(linkage.needsSDK && linkage.ownSDKSymbols.isEmpty)
    }

    @Test func aStaticallyEmbeddedSDKIsCaught() throws {
        let linkage = try sdkLinkage(of: try BadPlugins.shared.get().ownSDK)
        #expect(!linkage.needsSDK)
        #expect(linkage.ownSDKSymbols.contains("bertslim_sdk_anchor"))
        #expect(linkage.ownSDKSymbols.count > 100)
    }
}
