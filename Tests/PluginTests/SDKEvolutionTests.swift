import Foundation
import Testing

/// Replaces `anchor` in `file` by `replacement`; fails if the anchor is gone.
func patch(_ file: URL, replacing anchor: String, with replacement: String) throws {
    let text = try String(contentsOf: file, encoding: .utf8)
    guard text.contains(anchor) else { throw CommandFailure(command: "patch \(file.lastPathComponent): no \"\(anchor)\"",
                                                              result: CommandResult(status: 1, output: "", errors: "", crashed: false)) }
    try text.replacingOccurrences(of: anchor, with: replacement).write(to: file, atomically: true, encoding: .utf8)
}

@Suite("SDK compatibility (library evolution)", .serialized)
struct SDKEvolutionTests {
    /// A plugin compiled against this SDK (1.6) keeps working with a later SDK 1.7 that added a
    /// defaulted protocol requirement to `Loss` and a stored property to `ComponentContext`.
    @Test func aPluginBuiltAgainstThisSDKLoadsAndRunsUnderTheNextMinor() throws {
        let sdk10 = try SDKFolder.folder.get()
        let work = try TestEnvironment.temporaryFolder("evolution")
        let examples = sdk10.appendingPathComponent("examples/CosineDistillation")
        let sources = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".swift") }
            .sorted().map { examples.appendingPathComponent($0).path }
        let oldPlugin = work.appendingPathComponent("libCosineOld.so")
        try runCommand("swiftc", ["-emit-library", "-module-name", "CosineOld", "-I", sdk10.appendingPathComponent("modules").path,
                                  "-L", sdk10.appendingPathComponent("lib").path, "-lBertSlimSDK"] + sources + ["-o", oldPlugin.path])

        // SDK 1.7: the same sources with additions only (built under .build/, where SwiftPM's
        // scratch files belong).
        let base11 = TestEnvironment.packageRoot.appendingPathComponent(".build/plugin-tests/sdk-1.1")
        let source11 = base11.appendingPathComponent("source")
        try? FileManager.default.removeItem(at: source11)
        try FileManager.default.createDirectory(at: source11, withIntermediateDirectories: true)
        for item in ["Package.swift", "Sources"] {
            try FileManager.default.copyItem(at: TestEnvironment.packageRoot.appendingPathComponent("SDK/\(item)"),
                                             to: source11.appendingPathComponent(item))
        }
        let sdkSources = source11.appendingPathComponent("Sources/BertSlimSDK")
        let loss = "public protocol Loss: Component {", context = "public struct ComponentContext {"
        try patch(sdkSources.appendingPathComponent("Protocols/Loss.swift"), replacing: loss,
                  with: loss + "\n    var evolutionProbe: String { get }")
        try patch(sdkSources.appendingPathComponent("Protocols/Component.swift"), replacing: context,
                  with: context + "\n    public var evolutionField: [Int] = [1, 1]")
        try patch(sdkSources.appendingPathComponent("Exports.swift"), replacing: "public static let minor = 6",
                  with: "public static let minor = 7")
        try Data("extension Loss { public var evolutionProbe: String { \"default added in 1.7\" } }\n".utf8)
            .write(to: sdkSources.appendingPathComponent("Evolution.swift"))
        let scratch = base11.appendingPathComponent("build")
        try runCommand("swift", ["build", "--package-path", source11.path, "--scratch-path", scratch.path, "--product", "BertSlimSDK"])
        let build11 = scratch.appendingPathComponent("debug")

        let host = work.appendingPathComponent("evolution-host")
        try runCommand("swiftc", ["-I", build11.appendingPathComponent("Modules").path,
                                  "-I", sdk10.appendingPathComponent("include").path,
                                  "-L", build11.path, "-lBertSlimSDK", "-Xlinker", "-rpath", "-Xlinker", build11.path,
                                  TestEnvironment.fixtureSources.appendingPathComponent("evolution_host.swift").path, "-o", host.path])
        let result = try runCommand(host.path, [oldPlugin.path])
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        guard lines.count == 4 else { return }
        #expect(lines[0] == "host sdk 1.7.0, plugin sdk 1.6.0")
        #expect(lines[1] == "new requirement: default added in 1.7")
        #expect(lines[2] == "new field: [1, 1]")
        let value = try #require(Float(lines[3].replacingOccurrences(of: "value: ", with: "")))
        expectClose(value, cosineLoss(studentLogits, teacherLogits, width: 3))
    }
}
