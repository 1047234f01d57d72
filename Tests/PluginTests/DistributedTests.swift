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

    /// 50 optimizer steps (800 examples, batch 16) on two ranks and on one, then a distill stage
    /// whose teacher outputs each rank caches for its own shares. Each rank's loss is its
    /// half-batch mean weighted by ½ and the halves' gradients are summed, so each step is the
    /// whole batch's up to the order of float additions (a few ulps per step, which AdamW's
    /// g / √v can enlarge where a gradient is near zero). Measured on the fine-tuned weights:
    /// relative L2 distance 1.2e-7, largest difference 3.9e-7 (the student: 3.4e-7); the bounds
    /// leave a factor of about 30.
    @Test func trainingOnTwoRanksGivesOneRanksWeights() throws {
        let workspace = try Self.workspace("dp-equal", train: 800)
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
