import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// Open MPI's launcher (Debian's openmpi-bin).
let mpirun = "/usr/bin/mpirun"
/// Whether mpirun and the `mpi` communicator plugin are here.
let mpiAvailable = FileManager.default.isExecutableFile(atPath: mpirun)
    && FileManager.default.fileExists(atPath: TestEnvironment.buildDirectory.appendingPathComponent("libMPICommunicator.so").path)

/// Data-parallel runs under `mpirun -np 2` (Open MPI, the `mpi` communicator plugin). Skipped
/// where mpirun or libMPICommunicator.so is missing (BertSlim built without libopenmpi-dev).
@Suite("Distributed runs under mpirun -np 2", .serialized,
       .enabled(if: mpiAvailable, "needs mpirun (openmpi-bin) and libMPICommunicator.so (libopenmpi-dev)"))
struct DistributedTests {

    /// mpirun's arguments for `ranks` ranks running `command` (as root in CI, on 2 cores).
    static func ranks(_ count: Int, _ command: [String]) -> [String] {
        ["--allow-run-as-root", "--oversubscribe", "-np", "\(count)"] + command
    }

    static let options = ["--plugin-path", TestEnvironment.buildDirectory.path, "--quiet", "--no-ledger", "--threads", "1"]

    /// A workspace whose tiny BERT has no dropout, so that one rank and two see the same numbers.
    static func workspace(_ name: String, train: Int) throws -> URL {
        let workspace = try RecipeFixtures.workspace(name, train: train, dev: 16, test: 48)
        let config = workspace.appendingPathComponent("model/config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: config)) as! [String: Any]
        object["hidden_dropout_prob"] = 0.0
        object["attention_probs_dropout_prob"] = 0.0
        try JSONSerialization.data(withJSONObject: object).write(to: config)
        return workspace
    }

    @Test func everyCollectiveEqualsItsSerialResult() throws {
        let check = TestEnvironment.buildDirectory.appendingPathComponent("collectives-check").path
        let result = try runCommand(mpirun, Self.ranks(2, [check, TestEnvironment.buildDirectory.path]), check: false)
        let lines = result.output.split(separator: "\n")
        #expect(result.status == 0, "\(result.output)\n\(result.errors)")
        #expect(lines.count == 16 && lines.allSatisfy { $0.hasSuffix(": ok") }, "\(result.output)")
    }

    /// 50 optimizer steps (800 examples, batch 16, dropout 0.1) on two ranks and on one, then a
    /// distill stage whose teacher outputs each rank caches for its own shares. Each rank's
    /// loss is its half-batch mean weighted by ½, its half padded to the batch's width and
    /// dropped out with its rows of the batch's masks, and the halves' gradients are summed (the
    /// word embeddings' over the 80–120 of 309 rows the ranks' halves touched), so
    /// each step is the whole batch's up to the order of float additions (a few ulps per step,
    /// which AdamW's g / √v can enlarge where a gradient is near zero). Measured on the
    /// fine-tuned weights: relative L2 distance 4.5e-8, largest difference 1.2e-7 (the student:
    /// 1.1e-7 and 2.5e-7); the bounds leave a factor of 90 or more.
    @Test func trainingOnTwoRanksGivesOneRanksWeights() throws {
        let workspace = try RecipeFixtures.workspace("dp-equal", train: 800, dev: 16, test: 48)
        let yaml = RecipeFixtures.tinyRecipe(epochs: 1, checkpointEvery: 10, extraStages: """
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]
                  epochs: 2
                  batch_size: 16
                  learning_rate: 0.001
              - export: {name: student}
            """)
        let recipe = try RecipeFixtures.write(yaml, "tiny.yaml", in: workspace)
        let one = workspace.appendingPathComponent("one"), two = workspace.appendingPathComponent("two")
        try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", one.path] + Self.options)
        try runCommand(mpirun, Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", two.path] + Self.options))

        for export in ["finetuned", "student"] {
            let a = try SafetensorsFile(path: one.appendingPathComponent("exports/\(export)/model.safetensors").path)
            let b = try SafetensorsFile(path: two.appendingPathComponent("exports/\(export)/model.safetensors").path)
            #expect(a.names.sorted() == b.names.sorted())
            var difference = 0.0, norm = 0.0, largest: Float = 0
            for name in a.names {
                let (x, y) = (try a.tensor(named: name).scalars, try b.tensor(named: name).scalars)
                for (p, q) in zip(x, y) {
                    difference += Double((p - q) * (p - q))
                    norm += Double(p * p)
                    largest = max(largest, abs(p - q))
                }
            }
            #expect((difference / norm).squareRoot() < 1e-5, "\(export): relative L2 distance \((difference / norm).squareRoot())")
            #expect(largest <= 5e-5, "\(export): largest difference \(largest)")
        }
        // Only rank 0 wrote the log: each step once.
        let log = try String(contentsOf: two.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.components(separatedBy: "stage 0 epoch 1/1 step 50/50").count == 2, "\(log.suffix(600))")
    }

    @Test func killingOneRankStopsTheOtherNamingItAndTheFolderResumes() throws {
        let workspace = try Self.workspace("dp-kill", train: 800)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 6, checkpointEvery: 5), "tiny.yaml", in: workspace)
        let run = workspace.appendingPathComponent("run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", run.path] + Self.options)
        process.environment = TestEnvironment.commandEnvironment
        let errors = workspace.appendingPathComponent("errors.txt")
        try Data().write(to: errors)
        process.standardError = try FileHandle(forWritingTo: errors)
        process.standardOutput = FileHandle.nullDevice
        try process.run()

        // Once rank 0 has written a checkpoint, kill rank 1 (found by its MPI rank and run folder).
        RecipeFixtures.waitForCheckpoint(in: run, while: process)
        let rank1 = try #require(Self.process(rank: 1, runningWith: run.path), "rank 1 of the run is not among the processes")
        kill(rank1, SIGKILL)
        let killed = Date()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(killed)
        let message = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus != 0)
        #expect(seconds < 30, "the run took \(seconds) s to stop")
        #expect(message.contains("has stopped") && message.contains("rank 1 (process \(rank1)"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))

        // One rank takes the run over from rank 0's last checkpoint.
        let resumed = try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", run.path, "--resume", "--log-format", "json"]
                                     + Self.options.filter { $0 != "--quiet" })
        #expect(resumed.output.contains("resumed at epoch"), "\(resumed.output.suffix(800))")
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))
    }

    /// A sweep of three points (two learning rates of a distill stage after one fine-tuning) on
    /// two ranks with `--distribute points`: rank 0 runs p0–p1 (one fine-tuning, shared), rank 1
    /// runs p2 (its own fine-tuning), and rank 0's folder ends as one process's: every point's
    /// results, equal to one process's to the last digit (each point trains alone, one thread),
    /// every export and stage. Then one point on two ranks: rank 1 is idle and the log says so.
    @Test func sweepPointsOnDifferentRanksEndInRankZerosFolder() throws {
        let workspace = try Self.workspace("dp-points", train: 160)
        let yaml = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]
                  epochs: 1
                  batch_size: 16
                  learning_rate: 0.001
              - evaluate: {split: test}
              - export: {name: student}

            """, sweep: """
            sweep:
              stages[4].distill.learning_rate: [0.001, 0.003, 0.01]

            """)
        let recipe = try RecipeFixtures.write(yaml, "sweep.yaml", in: workspace)
        let one = workspace.appendingPathComponent("one"), two = workspace.appendingPathComponent("two")
        try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", one.path] + Self.options)
        try runCommand(mpirun, Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", two.path, "--distribute", "points"] + Self.options))

        func accuracies(_ run: URL) throws -> [String] {
            let results = try JSONDecoder().decode(ExperimentResults.self, from: Data(contentsOf: run.appendingPathComponent("results.json")))
            return results.points.map { point in "\(point.id): " + point.models.map { "\($0.evaluations["test"]?.accuracy ?? -1)" }.joined(separator: " ") }
        }
        #expect(try accuracies(two) == accuracies(one))
        #expect(try accuracies(two).count == 3)
        for point in ["p0", "p1", "p2"] {
            #expect(FileManager.default.fileExists(atPath: two.appendingPathComponent("exports/\(point)-student/model.safetensors").path), "\(point)")
        }
        let stages = { (run: URL) in Set(try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("stages").path)) }
        #expect(try stages(two) == stages(one))
        let log = try String(contentsOf: two.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("points spread over 2 ranks: p0–p1 on rank 0, p2 on rank 1"), "\(log.prefix(600))")
        #expect(log.contains("rank 1: [p2] stage 5 evaluate"), "\(log.suffix(800))")
        #expect(log.contains("rank 1: [p2] exported \(two.path)/exports/p2-student"), "\(log.suffix(800))")

        // --resume on one process, and on two ranks (rank 0 sends rank 1 its points' stages), finds every stage finished.
        let resumed = try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", two.path, "--resume"] + Self.options.filter { $0 != "--quiet" })
        #expect(!resumed.output.contains("epoch 1/1 step"), "\(resumed.output.suffix(800))")
        try runCommand(mpirun, Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", two.path, "--resume", "--distribute", "points"] + Self.options))
        let again = try String(contentsOf: two.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(again.contains("rank 1: [p2] stage 4 distill (reused)") && !again.suffix(again.count - log.count).contains("step"), "\(again.suffix(1500))")

        // One point, two ranks: rank 1 has nothing to run.
        let single = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1), "single.yaml", in: workspace)
        let idle = workspace.appendingPathComponent("idle")
        try runCommand(mpirun, Self.ranks(2, [TestEnvironment.bertslim, "run", single, "--out", idle.path, "--distribute", "points"] + Self.options))
        let idleLog = try String(contentsOf: idle.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(idleLog.contains("p0 on rank 0; rank 1 has no point: it waits for the others to finish, then exits"), "\(idleLog.prefix(600))")
    }

    /// A point that fails on rank 1 (its student's weights are NaN, so its loss is) while
    /// rank 0's succeeds: rank 0 writes its point's exports and reports rank 1's failure as the
    /// run's one error.
    @Test func aPointFailingOnAnotherRankIsReportedByRankZero() throws {
        let workspace = try Self.workspace("dp-points-fail", train: 160)
        let broken = workspace.appendingPathComponent("broken")
        try FileManager.default.copyItem(at: workspace.appendingPathComponent("model"), to: broken)
        let weights = broken.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        let nan = Data([0x00, 0x00, 0xC0, 0x7F])
        for offset in stride(from: bytes.count - 4096, to: bytes.count - 3, by: 4) { bytes.replaceSubrange(offset..<offset + 4, with: nan) }
        try bytes.write(to: weights)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {model: model}
                  losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]
                  epochs: 1

            """, sweep: """
            sweep:
              stages[4].distill.student: [{model: model}, {model: broken}]

            """), "sweep.yaml", in: workspace)
        let run = workspace.appendingPathComponent("run")
        let result = try runCommand(mpirun, Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", run.path, "--distribute", "points"]
                                                       + Self.options), check: false)
        #expect(result.status != 0)
        let lines = result.errors.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines.count == 1 && lines[0].hasPrefix("error: rank 1: [p1] stages[4].distill: loss became nan")
                && lines[0].contains("kept in \(run.path)/stages/4-distill-"), "\(result.errors)")
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("exports/p0-finetuned/model.safetensors").path))
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))
    }

    /// SIGINT to both ranks while they train their points: every rank stops with a
    /// checkpoint, rank 1's go to rank 0's folder, and the run resumes on one process from them.
    @Test func stoppingASpreadSweepLeavesEveryRanksCheckpointsInRankZerosFolder() throws {
        let workspace = try Self.workspace("dp-points-stop", train: 800)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 8, checkpointEvery: 5, sweep: """
            sweep:
              stages[0].finetune.learning_rate: [0.001, 0.002]

            """), "sweep.yaml", in: workspace)
        let run = workspace.appendingPathComponent("run")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: mpirun)
        process.arguments = Self.ranks(2, [TestEnvironment.bertslim, "run", recipe, "--out", run.path, "--distribute", "points"] + Self.options)
        process.environment = TestEnvironment.commandEnvironment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        RecipeFixtures.waitForCheckpoint(in: run, while: process)
        // Ctrl-C on a terminal: SIGINT to every process of the group, each rank included.
        for rank in 0..<2 { if let pid = Self.process(rank: rank, runningWith: run.path) { kill(pid, SIGINT) } }
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let stages = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("stages").path)
        let checkpointed = stages.filter { FileManager.default.fileExists(atPath: run.appendingPathComponent("stages/\($0)/checkpoint/latest.json").path) }
        #expect(checkpointed.count == 2, "\(stages)")
        let log = try String(contentsOf: run.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("rank 1 stopped in p1 and sent what it had made"), "\(log.suffix(800))")

        let resumed = try runCommand(TestEnvironment.bertslim, ["run", recipe, "--out", run.path, "--resume", "--log-format", "json"]
                                     + Self.options.filter { $0 != "--quiet" })
        #expect(resumed.output.components(separatedBy: "resumed at epoch").count == 3, "\(resumed.output.suffix(800))")
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("results.json").path))
    }

    /// A rank whose plugin file differs from rank 0's (a copy with one byte more, found first on
    /// its plugin path) is refused at start-up, before any stage, with one message naming it.
    @Test func ranksWithDifferentPluginsAreRefusedAtStartUp() throws {
        let workspace = try Self.workspace("dp-mismatch", train: 32)
        let recipe = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1), "tiny.yaml", in: workspace)
        let other = workspace.appendingPathComponent("other-plugins")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        var plugin = try Data(contentsOf: TestEnvironment.buildDirectory.appendingPathComponent("libHintonKD.so"))
        plugin.append(0)
        try plugin.write(to: other.appendingPathComponent("libHintonKD.so"))
        let run = workspace.appendingPathComponent("run")
        let arguments = [TestEnvironment.bertslim, "run", recipe, "--out", run.path]
        // Open MPI's MPMD form: rank 0 with the build's plugins, rank 1 with the altered copy first.
        let result = try runCommand(mpirun, ["--allow-run-as-root", "--oversubscribe", "-np", "1"] + arguments + Self.options
                                    + [":", "-np", "1"] + arguments + ["--plugin-path", other.path] + Self.options, check: false)
        #expect(result.status != 0)
        let lines = result.errors.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(lines.count == 1, "\(result.errors)")
        #expect(lines.first?.contains("rank 1's plugin org.bertslim.hinton-kd 1.0.0 (\(other.path)/libHintonKD.so) is not the same file as rank 0's") == true,
                "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("stages").path))
    }

    /// The process whose environment says it is MPI rank `rank` and whose arguments name `folder`.
    static func process(rank: Int, runningWith folder: String) -> pid_t? {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry),
                  let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
                  let arguments = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let words = arguments.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") && words.contains(folder) && words.first?.hasSuffix("bertslim") == true { return pid }
        }
        return nil
    }
}
