import BertSlimHost
import BertSlimLedger
import Foundation
import Testing

/// `bertslim run` records into the ledger and `bertslim runs` reads it: real tiny runs, two at
/// once into one ledger, a killed and resumed run, and the same folders imported afterwards.
@Suite("Runs command", .serialized)
struct RunsCommandTests {
    /// The numbers of `metrics.jsonl` lines of `event` (one ledger row per number, NaN aside).
    static func lines(_ folder: URL, event: String) throws -> Int {
        try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
            .filter { $0.contains("\"event\":\"\(event)\"") }.count
    }

    @Test func twoRunsAtOnceIntoOneLedgerLoseNothingAndEveryCommandReadsThem() throws {
        let workspace = try RecipeFixtures.workspace("ledger-two", train: 96, dev: 16, test: 32)
        let recipe = RecipeFixtures.tinyRecipe(epochs: 2).replacingOccurrences(of: "  max_length: 32", with: "  max_length: 32\n  task: tiny-mr")
        let path = try RecipeFixtures.write(recipe, "tiny.yaml", in: workspace)
        let ledger = workspace.appendingPathComponent("ledger.sqlite").path
        let outs = ["a", "b"].map { workspace.appendingPathComponent($0) }
        let processes = try outs.map { out -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestEnvironment.bertslim)
            process.arguments = ["run", path, "--out", out.path, "--quiet", "--ledger", ledger, "--threads", "1"]
            process.environment = TestEnvironment.commandEnvironment
            (process.standardOutput, process.standardError) = (FileHandle.nullDevice, FileHandle.nullDevice)
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit(); #expect(process.terminationStatus == 0) }

        let opened = try Ledger(path: ledger)
        let runs = try opened.runs(RunFilter(task: "tiny-mr"))
        #expect(runs.count == 2 && runs.allSatisfy { $0.run.status == .finished && $0.run.source == "run" })
        for out in outs {
            let run = try opened.run(out.path)
            let results = try JSONDecoder().decode(ExperimentResults.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
            let models = try opened.models(runs: [run.id ?? 0])
            #expect(models.map(\.model.origin) == results.points[0].models.map(\.origin))
            #expect(models.map(\.model.fileBytes) == results.points[0].models.map(\.fileBytes))
            #expect(models[1].evaluations["test"]?.accuracy == results.points[0].models[1].evaluations["test"]?.accuracy)
            #expect(models[1].latency[8]?.ms == results.points[0].models[1].latencyMs["8"])
            #expect(try opened.metrics(ofRun: run.id ?? 0, named: "loss").count == Self.lines(out, event: "step"))
            #expect(try opened.metrics(ofRun: run.id ?? 0, named: "accuracy").count
                    == Self.lines(out, event: "dev") + Self.lines(out, event: "evaluate"))
            #expect(try opened.detail(ofRun: run.id ?? 0).points[0].stages.map(\.type) == ["finetune", "evaluate", "export", "benchmark"])
            #expect(run.recipeYaml == (try String(contentsOf: out.appendingPathComponent("recipe.yaml"), encoding: .utf8)))
            #expect(run.kernels?.hasPrefix("isa ") == true && run.threads == 1 && run.host != nil)
        }

        // The commands.
        let list = try runCommand(TestEnvironment.bertslim, ["runs", "list", "--ledger", ledger, "--task", "tiny-mr", "--since", "1h"]).output
        #expect(list.split(separator: "\n").count == 3 && list.contains("finished") && list.contains("tiny-mr"))
        let compare = try runCommand(TestEnvironment.bertslim, ["runs", "compare", "--task", "tiny-mr", "--ledger", ledger]).output
        #expect(compare.split(separator: "\n").filter { $0.contains("stages[0].finetune") }.count == 2)
        #expect(compare.contains("* Pareto-optimal on test accuracy, latency at batch 1 and file size:"))
        let show = try runCommand(TestEnvironment.bertslim, ["runs", "show", outs[0].path, "--ledger", ledger]).output
        #expect(show.contains("stage 0 finetune: finished") && show.contains("kernels    isa "))
        let csv = try runCommand(TestEnvironment.bertslim, ["runs", "export", "--csv", "--task", "tiny-mr", "--ledger", ledger]).output
        #expect(csv.split(separator: "\r\n").count == 1 + 4 && csv.hasPrefix("run_id,recipe,task,point,"))
        let html = workspace.appendingPathComponent("frontier.html").path
        let report = try runCommand(TestEnvironment.bertslim, ["runs", "report", "--task", "tiny-mr", "-o", html, "--ledger", ledger]).output
        #expect(report.hasPrefix("wrote \(html): 2 of 4 models drawn"))
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("origin: stages[0].finetune"))

        // Importing the same folders into a new ledger gives the same models and metrics.
        let second = workspace.appendingPathComponent("imported.sqlite").path
        let imported = try runCommand(TestEnvironment.bertslim, ["runs", "import", workspace.path, "--ledger", second]).output
        #expect(imported.split(separator: "\n").filter { $0.hasPrefix("imported run") }.count == 2)
        let again = try runCommand(TestEnvironment.bertslim, ["runs", "import", outs[0].path, "--ledger", second]).output
        #expect(again.contains("already in the ledger as run"))
        let copy = try Ledger(path: second)
        for out in outs {
            let (live, backfilled) = (try opened.run(out.path), try copy.run(out.path))
            #expect(backfilled.source == "import" && backfilled.status == .finished && backfilled.recipeHash == live.recipeHash)
            #expect(backfilled.task == "tiny-mr" && backfilled.isa == live.isa)
            let a = try opened.metrics(ofRun: live.id ?? 0), b = try copy.metrics(ofRun: backfilled.id ?? 0)
            // metrics.jsonl keeps 16 significant digits (Foundation's JSON writer), the live rows every bit.
            let first = zip(a, b).first { $0.name != $1.name || abs($0.value - $1.value) > 1e-12 * max(1, abs($0.value)) || $0.stage != $1.stage || $0.step != $1.step }
            #expect(a.count == b.count && first == nil, "first difference: \(String(describing: first))")
            let ma = try opened.models(runs: [live.id ?? 0]), mb = try copy.models(runs: [backfilled.id ?? 0])
            #expect(ma.map(\.model.origin) == mb.map(\.model.origin) && ma.map { $0.evaluations["test"]?.f1 } == mb.map { $0.evaluations["test"]?.f1 })
        }
    }

    @Test func aKilledRunIsListedInterruptedAndResumeFinishesTheSameRun() throws {
        let workspace = try RecipeFixtures.workspace("ledger-resume", train: 320, dev: 32, test: 32)
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 2, checkpointEvery: 4), "tiny.yaml", in: workspace)
        let ledger = workspace.appendingPathComponent("ledger.sqlite").path, out = workspace.appendingPathComponent("run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.bertslim)
        process.arguments = ["run", path, "--out", out.path, "--log-format", "json", "--ledger", ledger]
        process.environment = TestEnvironment.commandEnvironment
        let pipe = Pipe()
        (process.standardOutput, process.standardError) = (pipe, FileHandle.nullDevice)
        try process.run()
        var buffer = Data()
        while true {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            if String(decoding: buffer, as: UTF8.self).contains(#""step":8"#) && String(decoding: buffer, as: UTF8.self).contains(#""event":"checkpoint""#) {
                kill(process.processIdentifier, SIGKILL)
                break
            }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the run finished before it could be killed")
        let listed = try runCommand(TestEnvironment.bertslim, ["runs", "list", "--status", "interrupted", "--ledger", ledger]).output
        #expect(listed.contains("interrupted") && listed.contains(out.lastPathComponent))

        try runCommand(TestEnvironment.bertslim, ["run", path, "--out", out.path, "--resume", "--quiet", "--ledger", ledger])
        let opened = try Ledger(path: ledger)
        let runs = try opened.runs()
        #expect(runs.count == 1 && runs[0].run.status == .finished)
        let steps = try opened.metrics(ofRun: runs[0].run.id ?? 0, named: "loss")
        #expect(try steps.count == Self.lines(out, event: "step"), "the ledger reads as metrics.jsonl: each step once")
        #expect(steps.count == 40)
    }

    @Test func runRefusesALedgerThatIsNotOneBeforeAnyWork() throws {
        let workspace = try RecipeFixtures.workspace("ledger-bad", train: 16, dev: 8, test: 8)
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1), "tiny.yaml", in: workspace)
        let ledger = workspace.appendingPathComponent("notes.txt").path
        try "not a database\n".write(toFile: ledger, atomically: true, encoding: .utf8)
        let result = try runCommand(TestEnvironment.bertslim, ["run", path, "--out", workspace.appendingPathComponent("run").path, "--ledger", ledger],
                                    check: false)
        #expect(result.status == 1)
        #expect(result.errors == "error: \(ledger): not a ledger: not an SQLite database (it starts with \"not a databa\", not \"SQLite format 3\"); "
                + "bertslim \(SDKVersion.string) reads and writes ledger schema versions 1 to \(LedgerSchema.version). "
                + "Move the file away, or use --ledger PATH or --no-ledger\n")
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("run/metrics.jsonl").path))
        try runCommand(TestEnvironment.bertslim, ["run", path, "--out", workspace.appendingPathComponent("run").path, "--no-ledger", "--quiet"])
        let both = try runCommand(TestEnvironment.bertslim, ["run", path, "--ledger", ledger, "--no-ledger"], check: false)
        #expect(both.status != 0 && both.errors.contains("--ledger and --no-ledger contradict each other"))
    }
}
