import BertSlimSDK
import Foundation

/// Logistic regression on bag-of-n-gram features: `logits = X Wᵀ + b`, X the texts' sparse
/// TF-IDF (or binary) vectors from an ``NGramVectorizer`` fitted on the training split, W
/// `(classes, features)`. Trained by a distill stage on the teacher's logits (MSE, as in
/// "Distilling BERT — How to achieve BERT performance using Logistic Regression"), with
/// Hinton KD, or on the labels alone. It reads `Batch.texts`, not token ids.
///
/// Saved as a folder the host reloads through this component: `config.json` (with
/// `"bertslim_component": "logistic-regression"`, the labels and the feature settings),
/// `vocabulary.txt` (one n-gram per line, in column order) and `model.safetensors`
/// (`classifier.weight`, `classifier.bias`, `idf`).
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple
/// Neural Networks (small students trained on teacher logits).
final class LogisticRegressionStudent: Student, LoadableModel {
    struct Settings: ComponentSettings {
        var ngrams = 2
        var minCount = 2
        var maxFeatures = 50_000
        var weighting = NGramVectorizer.Weighting.tfidf
        static var keys: [SettingKey<Settings>] { [
            SettingKey("ngrams", \.ngrams, "longest n-gram (1: words only, 2: words and word pairs, …)",
                       valid: { (1...5).contains($0) ? nil : "\($0) is not in 1...5" }),
            SettingKey("min_count", \.minCount, "keep n-grams found in at least this many training texts",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("max_features", \.maxFeatures, "keep at most this many n-grams (the most frequent)",
                       valid: { (1...10_000_000).contains($0) ? nil : "\($0) is not in 1...10000000" }),
            SettingKey("weighting", \.weighting, "tfidf: count × smoothed IDF; binary: 1 where present (then L2-normalised)"),
        ] }
    }

    static let componentName = "logistic-regression"

    private(set) var vectorizer: NGramVectorizer
    private(set) var labels: [String]
    private(set) var weight: Parameter
    private(set) var bias: Parameter

    /// Fits the features on `context.training`; without training data (a model about to be
    /// loaded) the student is empty until ``load(from:)``.
    init(settings: Settings, context: ComponentContext) throws {
        guard let training = context.training else {
            vectorizer = NGramVectorizer(maxN: settings.ngrams, weighting: settings.weighting)
            labels = []
            weight = Parameter(.zeros([0, 0]))
            bias = Parameter(.zeros([0]))
            return
        }
        labels = training.labels?.names ?? (0..<(context.labelCount ?? 0)).map { "LABEL_\($0)" }
        guard !labels.isEmpty else { throw ComponentError(Self.componentName, "the training data has no labels") }
        vectorizer = NGramVectorizer(fitting: training.texts, maxN: settings.ngrams, minCount: settings.minCount,
                                     maxFeatures: settings.maxFeatures, weighting: settings.weighting)
        guard vectorizer.width > 0 else {
            throw ComponentError(Self.componentName, "no n-gram occurs in \(settings.minCount) training texts (lower min_count)")
        }
        weight = Parameter(.zeros([labels.count, vectorizer.width]))
        bias = Parameter(.zeros([labels.count]))
    }

    var namedParameters: [(name: String, parameter: Parameter)] {
        [(name: "classifier.weight", parameter: weight), (name: "classifier.bias", parameter: bias)]
    }

    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        guard vectorizer.width > 0 else {
            throw ComponentError(Self.componentName, "has no features yet: train it in a distill stage or load a saved folder")
        }
        guard batch.texts.count == batch.size else {
            throw ComponentError(Self.componentName, "needs the raw texts of the batch (Batch.texts has \(batch.texts.count) for \(batch.size) examples)")
        }
        let rows = batch.texts.map(vectorizer.vector)
        return ModelOutput(logits: sparseLinear(rows, weight: weight.tensor, bias: bias.tensor))
    }

    func save(to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = [
            ModelFolderContract.componentKey: Self.componentName, "model_type": "bertslim-logistic-regression",
            "labels": labels, "ngrams": vectorizer.maxN, "weighting": vectorizer.weighting.rawValue,
            "features": vectorizer.width,
        ]
        try SafetensorsFile.write(tensors: ["classifier.weight": weight.value, "classifier.bias": bias.value,
                                            "idf": Tensor(shape: [vectorizer.width], scalars: vectorizer.idf)],
                                  to: folder.appendingPathComponent("model.safetensors").path)
        try Data((vectorizer.terms.joined(separator: "\n") + "\n").utf8)
            .write(to: folder.appendingPathComponent("vocabulary.txt"), options: .atomic)
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }

    /// The student a folder written by ``save(to:)`` holds.
    convenience init(folder: String) throws {
        try self.init(settings: Settings(), context: ComponentContext())
        try load(from: folder)
    }

    /// Rebuilds features, labels and weights from a folder written by ``save(to:)``.
    func load(from directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        let configPath = folder.appendingPathComponent("config.json").path
        func fail(_ file: String, _ reason: String) -> ComponentError {
            ComponentError(Self.componentName, "\(file): \(reason)")
        }
        guard let data = FileManager.default.contents(atPath: configPath) else { throw fail(configPath, "cannot read the file") }
        guard let config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw fail(configPath, "not a JSON object")
        }
        guard config[ModelFolderContract.componentKey] as? String == Self.componentName else {
            throw fail(configPath, "\(ModelFolderContract.componentKey) is not \"\(Self.componentName)\"")
        }
        guard let labels = config["labels"] as? [String], !labels.isEmpty else { throw fail(configPath, "labels: expected a non-empty list of names") }
        guard let ngrams = config["ngrams"] as? Int, (1...5).contains(ngrams) else { throw fail(configPath, "ngrams: expected an integer in 1...5") }
        guard let weighting = (config["weighting"] as? String).flatMap(NGramVectorizer.Weighting.init(rawValue:)) else {
            throw fail(configPath, "weighting: expected tfidf or binary")
        }
        let vocabularyPath = folder.appendingPathComponent("vocabulary.txt").path
        guard let text = FileManager.default.contents(atPath: vocabularyPath).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw fail(vocabularyPath, "cannot read the file as UTF-8")
        }
        let terms = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let file = try SafetensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        let w = try file.tensor(named: "classifier.weight"), b = try file.tensor(named: "classifier.bias")
        let idf = try file.tensor(named: "idf")
        guard w.shape == [labels.count, terms.count], b.shape == [labels.count], idf.shape == [terms.count] else {
            throw fail(file.path, "classifier.weight \(w.shape), classifier.bias \(b.shape) and idf \(idf.shape) do not fit \(labels.count) labels and \(terms.count) n-grams in vocabulary.txt")
        }
        // The same features and labels (a resumed run): keep the parameter objects, which the
        // optimizer holds, and replace their values.
        if labels == self.labels, terms == vectorizer.terms, ngrams == vectorizer.maxN, weighting == vectorizer.weighting {
            weight.value = w
            bias.value = b
            return
        }
        vectorizer = NGramVectorizer(maxN: ngrams, weighting: weighting, terms: terms, idf: idf.scalars)
        self.labels = labels
        weight = Parameter(w)
        bias = Parameter(b)
    }
}
