import BertSlimHost
import BertSlimSDK
import Foundation

/// A folder with a tiny random BERT (its vocabulary made of MR's most common words) and
/// slices of MR, for recipes that run in seconds.
enum RecipeFixtures {
    static let mr = TestEnvironment.packageRoot.appendingPathComponent("assets/data/mr")

    /// Makes (once per name) `folder/model` and `folder/{train,dev,test}.tsv`.
    static func workspace(_ name: String, train: Int = 160, dev: Int = 48, test: Int = 48) throws -> URL {
        let folder = try TestEnvironment.temporaryFolder("\(name)-\(UUID().uuidString.prefix(8))")
        var words: [String: Int] = [:]
        for (split, count) in [("train", train), ("dev", dev), ("test", test)] {
            let lines = try String(contentsOf: mr.appendingPathComponent("\(split).tsv"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            let slice = [lines[0]] + lines.dropFirst().prefix(count)
            try (slice.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("\(split).tsv"), atomically: true, encoding: .utf8)
            for line in slice.dropFirst() {
                for word in line.lowercased().split(whereSeparator: { !$0.isLetter }) { words[String(word), default: 0] += 1 }
            }
        }
        let common = words.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(300).map(\.key)
        let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "'", "-"] + common
        let model = folder.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        try (vocabulary.joined(separator: "\n") + "\n").write(to: model.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let config = BertConfig(vocabSize: vocabulary.count, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 64, maxPositionEmbeddings: 64)
        try BertModel(config: config, seed: 3).save(to: model.path, tokenizerDirectory: nil)
        return folder
    }

    /// A recipe over a workspace: fine-tune, evaluate, export, benchmark.
    static func tinyRecipe(epochs: Int = 2, checkpointEvery: Int = 3, extraStages: String = "", sweep: String = "") -> String {
        """
        recipe: 1
        name: tiny
        seed: 7
        data:
          train: train.tsv
          dev: dev.tsv
          test: test.tsv
          max_length: 32
        teacher:
          model: model
        stages:
          - finetune:
              epochs: \(epochs)
              batch_size: 16
              learning_rate: 0.001
              checkpoint_every: \(checkpointEvery)
          - evaluate: {split: test}
          - export: {name: finetuned}
          - benchmark: {batch_sizes: [1, 8], sequence_length: 16, warmup: 1, runs: 3}
        \(extraStages)\(sweep)
        """
    }

    /// Waits (up to 2 minutes, while `process` runs) until a training stage of the run folder
    /// `run` has a complete checkpoint.
    static func waitForCheckpoint(in run: URL, while process: Process) {
        let stages = run.appendingPathComponent("stages")
        let deadline = Date().addingTimeInterval(120)
        func checkpointed() -> Bool {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: stages.path)) ?? []
            return folders.contains { FileManager.default.fileExists(atPath: stages.appendingPathComponent("\($0)/checkpoint/latest.json").path) }
        }
        while !checkpointed(), process.isRunning, Date() < deadline { usleep(20_000) }
    }

    /// Writes `text` as `name` in `folder` and returns its path.
    static func write(_ text: String, _ name: String, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs recipe `yaml` as `name.yaml` in `workspace` into the folder `name` there, with the
    /// first-party plugins; returns the results and the run's notes.
    static func run(_ yaml: String, name: String, in workspace: URL) throws -> (ExperimentResults, [String]) {
        let path = try write(yaml, "\(name).yaml", in: workspace)
        var notes: [String] = []
        let results = try Experiment(recipe: try BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: workspace.appendingPathComponent(name).path)).run { event in
            if case .note(let text) = event { notes.append(text) }
        }
        return (results, notes)
    }

    /// The ``RecipeError`` that `validate` gives for recipe `yaml`, written under a fresh name in `workspace`.
    static func validationFailure(_ yaml: String, in workspace: URL) throws -> RecipeError {
        let path = try write(yaml, "check-\(UUID().uuidString.prefix(8)).yaml", in: workspace)
        do {
            try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
        } catch let error as RecipeError {
            return error
        }
        throw CommandFailure(command: "validate", result: CommandResult(status: 0, output: "no error", errors: "", crashed: false))
    }
}
