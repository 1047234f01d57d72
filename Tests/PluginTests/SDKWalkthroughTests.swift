import BertSlimHost
import Foundation
import Testing

/// The shell blocks of SDK/README.md marked `<!-- walkthrough -->`, in order.
func walkthroughBlocks() throws -> [String] {
    let readme = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("SDK/README.md"), encoding: .utf8)
    var blocks: [String] = []
    var lines = readme.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)[...]
    while let line = lines.popFirst() {
        guard line == "<!-- walkthrough -->", lines.first == "```sh" else { continue }
        lines.removeFirst()
        var block: [String] = []
        while let next = lines.popFirst(), next != "```" { block.append(next) }
        blocks.append(block.joined(separator: "\n"))
    }
    return blocks
}

@Suite("SDK README walkthrough", .serialized)
struct SDKWalkthroughTests {
    @Test func theReadmeStepsTakeAnEmptyFolderToALoadedPlugin() throws {
        let sdk = try SDKFolder.folder.get()
        let blocks = try walkthroughBlocks()
        #expect(blocks.count == 4)
        let work = try TestEnvironment.temporaryFolder("walkthrough")
        let script = work.appendingPathComponent("walkthrough.sh")
        try Data((["set -euo pipefail"] + blocks).joined(separator: "\n").utf8).write(to: script)
        let path = TestEnvironment.buildDirectory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try runCommand("bash", [script.path], environment: ["BERTSLIM_SDK": sdk.path, "PATH": path], directory: work)
        let plugin = work.appendingPathComponent("tempered-mse/libTemperedMSE.so").path
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("(NEEDED)") && $0.contains("[libBertSlimSDK.so]") })
        #expect(lines.contains("0"), "the nm check must count no SDK symbol")
        #expect(lines.contains("org.example.tempered-mse  0.1.0    loss:tempered-mse  \(plugin)"))
        #expect(lines.contains("      temperature  Float  1.0      T: both logits are divided by it (> 0)"))
        #expect(lines.contains("ok    \(plugin): org.example.tempered-mse 0.1.0 (loss:tempered-mse)"))

        // The plugin the newcomer built computes a real value in this process.
        let host = PluginHost(options: .init(environment: ["BERTSLIM_PLUGIN_PATH": work.appendingPathComponent("tempered-mse").path],
                                             includeDefaultLocations: false))
        #expect(host.load().isEmpty)
        let loss = try host.make("tempered-mse", as: (any Loss).self, config: .yaml("temperature: 2"))
        let value = try loss(student: ModelOutput(logits: Tensor(shape: [2, 3], scalars: studentLogits)),
                             teacher: ModelOutput(logits: Tensor(shape: [2, 3], scalars: teacherLogits)), batch: batch(labels: [0, 1]))
        let gaps: [Double] = zip(studentLogits, teacherLogits).map { (Double($0) - Double($1)) / 2 }
        expectClose(value.item, gaps.map { $0 * $0 }.reduce(0, +) / 6)
        #expect {
            _ = try host.make("tempered-mse", as: (any Loss).self, config: .yaml("temperatur: 2", path: "stages[1].loss"))
        } throws: { String(describing: $0) == "stages[1].loss.temperatur: unknown key (known: temperature)" }
    }
}
