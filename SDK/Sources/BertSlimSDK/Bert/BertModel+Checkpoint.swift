internal import Foundation

extension BertModel {
    /// Loads a Hugging Face model directory (`config.json` + `model.safetensors`).
    ///
    /// The config is checked against the checkpoint's header before any weight is
    /// allocated, so sizes the checkpoint does not have are an error, not an allocation.
    /// - Throws: `BertError` or `SafetensorsError` naming the file, key or tensor.
    public static func load(directory: String) throws -> BertModel {
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw BertError.unreadable(file: configPath, reason: "no such file (is \(directory) a model directory?)")
        }
        let config = try BertConfig(path: configPath)
        let checkpoint = try SafetensorsFile(path: weightsFile(in: directory))
        try config.validate(against: checkpoint, file: configPath)
        let model = BertModel(config: config, seed: nil)
        try model.loadWeights(from: checkpoint)
        return model
    }

    /// Copies every parameter from a checkpoint by its Hugging Face name, with or without
    /// the `bert.` (MPNet: `mpnet.`) prefix (``BertConfig/storedNames(of:)``); a weight stored in
    /// CSR form (`model.sparse.safetensors`) comes back with its pruning mask. Tensors the model
    /// does not have (`embeddings.position_ids`, MLM heads) are ignored.
    /// - Throws: `BertError.missingTensor` / `.shapeMismatch` naming the tensor.
    public func loadWeights(from file: SafetensorsFile) throws {
        for (name, parameter) in namedParameters {
            let names = config.storedNames(of: name)
            if let sparse = names.first(where: { file.entry(named: $0 + ".csr_shape") != nil }) {
                try loadSparse(parameter, stored: sparse, from: file)
                continue
            }
            guard let stored = names.first(where: { file.entry(named: $0) != nil }) else {
                throw BertError.missingTensor(file: file.path, name: names[0])
            }
            parameter.mask = nil
            let value = try file.tensor(named: stored)
            guard value.shape == parameter.shape else {
                throw BertError.shapeMismatch(file: file.path, name: stored, expected: parameter.shape, found: value.shape)
            }
            parameter.value = value
        }
    }

    /// The weights under the names transformers' `BertForSequenceClassification` (or
    /// `BertModel`, without a head; MPNet's classes for MPNet) expects.
    public func exportedTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: exportedParameters.map { ($0.name, $0.parameter.value) })
    }

    /// Every parameter under the name export writes (``BertConfig/exportedName(of:classifier:)``).
    var exportedParameters: [(name: String, parameter: Parameter)] {
        let classifier = classifierWeight != nil
        return namedParameters.map { (config.exportedName(of: $0.name, classifier: classifier), $0.parameter) }
    }

    /// Writes a Hugging Face model directory: `config.json`, `model.safetensors` and, when
    /// given, the tokenizer files (`vocab.txt`, `tokenizer_config.json`) copied from `tokenizerDirectory`.
    /// A model with pruning masks writes `model.sparse.safetensors` instead (see
    /// ``sparseWeightsFile``).
    /// Each file is written to a temporary name and renamed, so a crash leaves no half file.
    public func save(to directory: String, tokenizerDirectory: String?) throws {
        try save(to: directory, tokenizerDirectory: tokenizerDirectory, dense: false)
    }

    /// ``save(to:tokenizerDirectory:)``, with `dense` writing `model.safetensors` (pruned
    /// weights as zeros, no masks) even for a model with masks: the folder transformers loads.
    public func save(to directory: String, tokenizerDirectory: String?, dense: Bool) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sparse = !dense && hasMasks
        for stale in [sparse ? "model.safetensors" : Self.sparseWeightsFile] {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(stale))
        }
        if sparse {
            try SafetensorsFile.write(sparseTensors(), metadata: ["format": "bertslim-csr"],
                                      to: folder.appendingPathComponent(Self.sparseWeightsFile).path)
        } else {
            try SafetensorsFile.write(tensors: exportedTensors(), metadata: ["format": "pt"],
                                      to: folder.appendingPathComponent("model.safetensors").path)
        }
        try config.write(to: folder.appendingPathComponent("config.json").path)
        if let tokenizerDirectory { try WordPieceTokenizer.copyFiles(from: tokenizerDirectory, to: directory) }
    }
}
