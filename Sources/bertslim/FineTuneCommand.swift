import ArgumentParser
import BertSlimHost
import Foundation

extension LearningRateDecay: ExpressibleByArgument {}

struct FineTune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a BERT model with a new classification head on a labelled text file.",
        discussion: "Files are TSV, CSV or JSONL (by extension) with columns `text` and `label` (and optionally a text pair)."
    )
    @Option(help: "Model directory to start from (config.json, model.safetensors, vocab.txt).")
    var model: String
    @Option(help: "Training data.")
    var train: String
    @Option(help: "Development data, evaluated after every epoch.")
    var dev: String
    @Option(help: "Test data, evaluated once at the end.")
    var test: String?
    @Option(help: "Where to write the fine-tuned model (a Hugging Face directory; checked writable before training).")
    var out: String
    @Option(help: "Column holding the text.") var textColumn = "text"
    @Option(help: "Column holding the second segment, for sentence pairs.") var pairColumn: String?
    @Option(help: "Column holding the label.") var labelColumn = "label"
    @Option(help: "Epochs.") var epochs = 3
    @Option(help: "Examples per batch.") var batchSize = 32
    @Option(help: "Peak learning rate.") var learningRate: Float = 5e-5
    @Option(help: "Fraction of steps for linear warm-up.") var warmup = 0.1
    @Option(help: "AdamW weight decay (not applied to biases and LayerNorm).") var weightDecay: Float = 0.01
    @Option(help: "Learning-rate decay after warm-up: linear or cosine.") var schedule = LearningRateDecay.linear
    @Option(help: "Longest input in tokens (at most the model's max_position_embeddings).") var maxLength = 64
    @Option(help: "Seed for initialisation, shuffling and dropout.") var seed: UInt64 = 1
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(help: "Print the final metrics as one JSON object.") var json = false

    func validate() throws {
        if maxLength < 2 { throw ValidationError("--max-length must be at least 2") }
        if pairColumn != nil && maxLength < 3 { throw ValidationError("--max-length must be at least 3 for sentence pairs") }
        try settings.validate()
    }

    var settings: FineTuneSettings {
        var s = FineTuneSettings()
        s.epochs = epochs
        s.batchSize = batchSize
        s.learningRate = learningRate
        s.warmupFraction = warmup
        s.weightDecay = weightDecay
        s.schedule = schedule
        s.seed = seed
        return s
    }

    func run() throws {
        if let threads { Threads.count = threads }
        let bert = try BertModel.load(directory: model)
        // Both checked before any work: a batch past the positions would stop training
        // midway, and an unwritable --out would lose all of it at the end.
        let positions = bert.config.maxSequenceLength
        guard maxLength <= positions else {
            throw CommandError("--max-length \(maxLength) is more than the \(positions) positions (max_position_embeddings) of the model")
        }
        let created: Bool
        do { created = try OutputFolder.prepareWritable(out) } catch ExperimentError.outputUnusable(_, let reason) {
            throw CommandError("--out \(out): cannot create the folder: \(reason)")
        }
        var finished = false
        // An --out made here and left empty by a failure is removed again.
        defer { if created && !finished { try? FileManager.default.removeItem(atPath: out) } }
        let tokenizer = try WordPieceTokenizer(directory: model)
        let shortest = tokenizer.minimumLength(pair: pairColumn != nil)
        if maxLength < shortest {
            throw CommandError("--max-length \(maxLength) leaves no room for the tokenizer's special tokens (at least \(shortest))")
        }
        let columns = ColumnMapping(text: .name(textColumn), textPair: pairColumn.map { .name($0) }, label: .name(labelColumn))
        let trainSet = try TextDataset(path: train, columns: columns)
        guard let labels = trainSet.labels else { throw TrainingError.missingLabels(file: train) }
        let devSet = try TextDataset(path: dev, columns: columns, labels: labels)
        let testSet = try test.map { try TextDataset(path: $0, columns: columns, labels: labels) }
        bert.addClassifier(labels: labels.names, seed: seed)

        let encode = { (d: TextDataset) in EncodedDataset(d, tokenizer: tokenizer, maxLength: self.maxLength) }
        let trainData = encode(trainSet), devData = encode(devSet)
        let truncated = trainData.encodings.filter { $0.truncatedCount > 0 }.count
        print("train: \(trainSet.count) examples (\(truncated) truncated to \(maxLength) tokens), dev: \(devSet.count), labels: \(labels.names.joined(separator: ", "))")
        let started = Date()
        var lastPrint = Date.distantPast
        try bert.fineTune(on: trainData, dev: devData, settings: settings) { event in
            switch event {
            case let .step(epoch, step, steps, loss, lr, rate):
                if step == steps || Date().timeIntervalSince(lastPrint) > 10 {
                    lastPrint = Date()
                    print(String(format: "epoch %d step %d/%d loss %.4f lr %.2e %.0f ex/s", epoch + 1, step, steps, loss, lr, rate))
                }
            case let .evaluation(epoch, metrics):
                print(String(format: "epoch %d dev accuracy %.4f F1 %.4f", epoch + 1, metrics.accuracy, metrics.f1))
            @unknown default:
                break
            }
        }
        let devMetrics = try evaluateClassifier(bert, on: devData)
        let testMetrics = try testSet.map { try evaluateClassifier(bert, on: encode($0)) }
        try bert.save(to: out, tokenizerDirectory: model)
        finished = true
        let seconds = Date().timeIntervalSince(started)
        if json {
            var object: [String: Any] = ["framework": "bertslim", "seed": seed, "dev_accuracy": devMetrics.accuracy,
                                         "dev_f1": devMetrics.f1, "seconds": (seconds * 10).rounded() / 10]
            if let testMetrics { object["test_accuracy"] = testMetrics.accuracy; object["test_f1"] = testMetrics.f1 }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(String(format: "dev accuracy %.4f F1 %.4f", devMetrics.accuracy, devMetrics.f1))
            if let testMetrics { print(String(format: "test accuracy %.4f F1 %.4f", testMetrics.accuracy, testMetrics.f1)) }
            print("saved \(out) (\(String(format: "%.0f", seconds)) s)")
        }
    }
}
