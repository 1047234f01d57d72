import Foundation
import Testing

/// Ctrl-C during `bertslim run`: the training stage checkpoints after its step and the command
/// ends with status 130 and one message; `--resume` then ends exactly where an uninterrupted run
/// ends (the same losses, metrics and exported weights).
@Suite("Interrupting a run", .serialized)
struct InterruptionTests {
    /// results.json without what timing decides, and the exported weights.
    static func outcome(_ run: URL) throws -> (results: String, weights: Data) {
        var results = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("results.json"))) as! [String: Any]
        var points = results["points"] as! [[String: Any]]
        for p in points.indices {
            points[p]["models"] = (points[p]["models"] as! [[String: Any]]).map { model in
                model.filter { $0.key != "latencyMs" && $0.key != "threads" }
            }
        }
        results["points"] = points
        return (String(decoding: try JSONSerialization.data(withJSONObject: results, options: .sortedKeys), as: UTF8.self),
                try Data(contentsOf: run.appendingPathComponent("exports/finetuned/model.safetensors")))
    }

    @Test func sigintStopsAtACheckpointAndResumesToTheSameEnd() throws {
        let workspace = try RecipeFixtures.workspace("interrupt", train: 160, dev: 16, test: 16)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 4, checkpointEvery: 1), "tiny.yaml", in: workspace)
        let plugins = ["--plugin-path", TestEnvironment.buildDirectory.path, "--quiet", "--no-ledger"]
        let reference = workspace.appendingPathComponent("reference")
        try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", reference.path] + plugins)

        let run = workspace.appendingPathComponent("run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.bertslim)
        process.arguments = ["run", recipe, "--out", run.path] + plugins
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the fine-tuning stage's first checkpoint, then press Ctrl-C.
        RecipeFixtures.waitForCheckpoint(in: run, while: process)
        try #require(process.isRunning, "the run ended before its first checkpoint was seen")
        process.interrupt()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(message)")
        #expect(message.contains("error: stopped on request; \(run.path) resumes with --resume"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))

        try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", run.path, "--resume"] + plugins)
        let (mine, theirs) = (try Self.outcome(run), try Self.outcome(reference))
        #expect(mine.results == theirs.results)
        #expect(mine.weights == theirs.weights)
    }
}
