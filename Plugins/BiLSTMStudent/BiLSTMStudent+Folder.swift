import BertSlimSDK
import Foundation

extension BiLSTMStudent {
    /// Writes `config.json` (the component, labels, sizes, pooling) and `model.safetensors`
    /// (every parameter by its PyTorch name, plus `embedding.token_ids`, I32, with
    /// `vocabulary: training`).
    func save(to directory: String) throws {
        guard let weights else { throw ComponentError(Self.componentName, "has no weights to save") }
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var tensors = Dictionary(uniqueKeysWithValues: weights.named(shape).map { ($0.name, SafetensorsValue.float($0.parameter.value)) })
        if let tokenRows { tensors["embedding.token_ids"] = .int32(IntegerArray(shape: [tokenRows.ids.count], scalars: tokenRows.ids)) }
        try SafetensorsFile.write(tensors, to: folder.appendingPathComponent("model.safetensors").path)
        var config: [String: Any] = [
            ModelFolderContract.componentKey: Self.componentName, "model_type": "bertslim-bilstm", "labels": labels,
            "vocab_size": vocabularySize, "embedding_size": shape.embeddingSize, "lstm_size": shape.lstmSize,
            "relu_size": shape.reluSize, "pooling": pooling.rawValue, "dropout": Double(dropoutRate),
        ]
        if let tokenRows { config["unknown_row"] = Int(tokenRows.unknownRow) }
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
            .write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }

    /// The student a folder written by ``save(to:)`` holds.
    convenience init(folder: String) throws {
        try self.init(settings: Settings(), context: ComponentContext())
        try load(from: folder)
    }

    /// Reads a folder written by ``save(to:)``: into the current parameters when the shapes are
    /// the same (a resumed run's optimizer holds them), otherwise as a new network.
    /// - Throws: ``ComponentError`` naming the file and what in it is wrong.
    func load(from directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        let configPath = folder.appendingPathComponent("config.json").path
        func fail(_ file: String, _ reason: String) -> ComponentError { ComponentError(Self.componentName, "\(file): \(reason)") }
        let bytes: [UInt8]
        do { bytes = try RegularFile.contents(of: configPath, limit: 1 << 20) } catch let error as FileReadError { throw fail(configPath, error.reason) }
        guard let config = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw fail(configPath, "not a JSON object")
        }
        guard config[ModelFolderContract.componentKey] as? String == Self.componentName else {
            throw fail(configPath, "\(ModelFolderContract.componentKey) is not \"\(Self.componentName)\"")
        }
        func size(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard let value = config[key] as? Int, range.contains(value) else { throw fail(configPath, "\(key): expected an integer in \(range)") }
            return value
        }
        guard let labels = config["labels"] as? [String], !labels.isEmpty else { throw fail(configPath, "labels: expected a non-empty list of names") }
        let vocabularySize = try size("vocab_size", 1...10_000_000)
        let (embeddingSize, lstmSize, reluSize) = (try size("embedding_size", 1...4096), try size("lstm_size", 1...4096),
                                                   try size("relu_size", 1...16384))
        guard let pooling = (config["pooling"] as? String).flatMap(Settings.Pooling.init(rawValue:)) else {
            throw fail(configPath, "pooling: expected final or max")
        }
        guard let dropout = (config["dropout"] as? Double).map(Float.init), (0..<1).contains(dropout) else {
            throw fail(configPath, "dropout: expected a number in [0, 1)")
        }
        let file = try SafetensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        var tokenRows: TokenRows?
        if file.entry(named: "embedding.token_ids") != nil {
            let ids = try file.integers(named: "embedding.token_ids", as: Int32.self).scalars
            let unknown = try size("unknown_row", 0...max(ids.count - 1, 0))
            guard ids.allSatisfy({ (0..<Int32(clamping: vocabularySize)).contains($0) }), Set(ids).count == ids.count else {
                throw fail(file.path, "embedding.token_ids: expected distinct ids in 0..<\(vocabularySize)")
            }
            tokenRows = try TokenRows(ids: ids, unknownID: ids[unknown])
        }
        let shape = BiLSTMWeights.Shape(rows: tokenRows?.ids.count ?? vocabularySize, embeddingSize: embeddingSize,
                                        lstmSize: lstmSize, reluSize: reluSize, classes: labels.count)
        let tensors = try shape.tensors.map { name, expected -> Tensor in
            let tensor = try file.tensor(named: name)
            guard tensor.shape == expected else {
                throw fail(file.path, "\(name) is \(tensor.shape), but config.json's sizes make it \(expected)")
            }
            return tensor
        }
        if let weights, shape == self.shape, labels == self.labels, tokenRows == self.tokenRows {
            for ((_, parameter), value) in zip(weights.named(shape), tensors) { parameter.value = value }
            return
        }
        replace(labels: labels, pooling: pooling, dropout: dropout, vocabularySize: vocabularySize, tokenRows: tokenRows,
                shape: shape, weights: BiLSTMWeights(tensors))
    }
}
