import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// Tiny recipes run end to end through the library and the CLI.
@Suite("Experiments", .serialized)
struct ExperimentTests {
    func results(_ folder: URL) throws -> ExperimentResults {
        try JSONDecoder().decode(ExperimentResults.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
    }

    @Test func aTinyRecipeRunsEndToEndAndWritesTheRunFolder() throws {
        let workspace = try RecipeFixtures.workspace("e2e")
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(), "tiny.yaml", in: workspace)
        let out = workspace.appendingPathComponent("run")
        var events: [ExperimentEvent] = []
        let recipe = try BertSlimHost.Recipe(contentsOf: path)
        let results = try Experiment(recipe: recipe, host: firstPartyHost(), options: .init(outputDirectory: out.path)).run { events.append($0) }
        for name in ["recipe.yaml", "log.txt", "metrics.jsonl", "results.json", "report.md", "report.html",
                     "exports/finetuned/model.safetensors", "exports/finetuned/config.json", "exports/finetuned/vocab.txt"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name) missing")
        }
        let point = try #require(results.points.first)
        #expect(point.models.map(\.origin) == ["teacher", "stages[0].finetune"])
        let tuned = point.models[1]
        // 160 examples, batch 16: 10 steps per epoch, 2 epochs.
        #expect(tuned.losses.count == 20 && tuned.epochs.count == 2)
        let test = try #require(tuned.evaluations["test"])
        #expect(test.count == 48 && (0...1).contains(test.accuracy))
        #expect(tuned.parameters == point.models[0].parameters + 2 * 32 + 2)
        #expect(tuned.fileBytes > tuned.parameters * 4)
        #expect(Set(tuned.latencyMs.keys) == ["1", "8"] && tuned.latencyMs.values.allSatisfy { $0 > 0 })
        // The exported model scores what the run reported.
        let exported = try BertModel.load(directory: out.appendingPathComponent("exports/finetuned").path)
        let tokenizer = try WordPieceTokenizer(directory: out.appendingPathComponent("exports/finetuned").path)
        let labels = try LabelVocabulary(["negative", "positive"])
        let testSet = try TextDataset(path: workspace.appendingPathComponent("test.tsv").path, labels: labels)
        #expect(try evaluateClassifier(exported, on: EncodedDataset(testSet, tokenizer: tokenizer, maxLength: 32)) == test)
        // metrics.jsonl has one line per step, and the report shows the table.
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.contains(#""event":"step""#) }.count == 20)
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("| – | stages[0].finetune | test | \(String(format: "%.4f", test.accuracy))"))
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("<polyline"))
        #expect(!html.contains("<script") && !html.contains("https://"))
        #expect(events.contains { if case .evaluated = $0 { return true } else { return false } })
    }

    @Test func aSweepSharesNothingButTheDataAndComparesItsPoints() throws {
        let workspace = try RecipeFixtures.workspace("sweep", train: 64, dev: 16, test: 16)
        let yaml = RecipeFixtures.tinyRecipe(epochs: 1) + "sweep:\n  stages[3].benchmark.runs: [2, 3]\n"
        let path = try RecipeFixtures.write(yaml, "sweep.yaml", in: workspace)
        let out = workspace.appendingPathComponent("run")
        var reused = 0
        let results = try Experiment(recipe: BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: out.path)).run { event in
            if case .stageStarted(_, _, _, true) = event { reused += 1 }
        }
        #expect(results.points.map(\.id) == ["p0", "p1"])
        // The fine-tune and evaluate stages are the same prefix in both points: run once.
        #expect(reused == 2)
        #expect(results.points[0].models[1].evaluations == results.points[1].models[1].evaluations)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("exports/p1-finetuned/config.json").path))
    }

    @Test func aRunKilledMidEpochResumesToTheSameMetrics() throws {
        let workspace = try RecipeFixtures.workspace("resume", train: 320, dev: 32, test: 32)
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 2, checkpointEvery: 4), "tiny.yaml", in: workspace)
        let reference = workspace.appendingPathComponent("reference"), killed = workspace.appendingPathComponent("killed")
        try runCommand(TestEnvironment.bertslim, ["run", path, "--out", reference.path, "--quiet"])

        // Kill the second run right after a mid-epoch checkpoint of epoch 1.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.bertslim)
        process.arguments = ["run", path, "--out", killed.path, "--log-format", "json"]
        process.environment = TestEnvironment.commandEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var buffer = Data()
        var killedAt: String?
        while killedAt == nil {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.contains(#""event":"checkpoint""#) {
                if line.contains(#""step":4,"#) || line.contains(#""step":4}"#) {
                    kill(process.processIdentifier, SIGKILL)
                    killedAt = String(line)
                    break
                }
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("results.json").path))

        let resumed = try runCommand(TestEnvironment.bertslim, ["run", path, "--out", killed.path, "--resume"])
        #expect(resumed.output.contains("resumed at epoch"))
        let a = try results(reference), b = try results(killed)
        #expect(a.points[0].models[1].losses == b.points[0].models[1].losses)
        #expect(a.points[0].models[1].epochs == b.points[0].models[1].epochs)
        #expect(a.points[0].models[1].evaluations == b.points[0].models[1].evaluations)
        let weights = { (folder: URL) in try Data(contentsOf: folder.appendingPathComponent("exports/finetuned/model.safetensors")) }
        #expect(try weights(reference) == weights(killed))
        // metrics.jsonl reads as one clean run.
        let count = { (folder: URL) in
            try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .filter { $0.contains(#""event":"step""#) }.count
        }
        #expect(try count(reference) == count(killed))
    }

    @Test func validateCommandPrintsTheErrorWithLineAndExitsNonZero() throws {
        let workspace = try RecipeFixtures.workspace("cli-validate", train: 20, dev: 8, test: 8)
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe().replacingOccurrences(of: "batch_size: 16", with: "batch_size: 0"),
                                            "bad.yaml", in: workspace)
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path], check: false)
        #expect(result.status == 2)
        #expect(result.errors == "error: \(path):14:19: stages[0].finetune.batch_size: 0 is not in 1...4096\n")
        let good = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(), "good.yaml", in: workspace)
        #expect(try runCommand(TestEnvironment.bertslim, ["validate", good]).output
                == "\(good): ok (4 stages: finetune, evaluate, export, benchmark)\n")
    }
}
