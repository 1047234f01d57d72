import BertSlimSDK
import Foundation

/// The folder format of a converted model: `config.json` (BERT's, plus
/// `"bertslim_component": "q8bert-int8"` and a `quantization` block) and `model.safetensors`
/// holding, under Hugging Face names, each Linear layer's `weight` (I8, `(N, K)`),
/// `weight_scale` (F32, N: S_w per output row), `bias` (F32) and, for static quantization,
/// `input_scale` (F32, 1: S_x), each embedding table's `weight` (I8) and `weight_scale`
/// (F32, 1), and the LayerNorm parameters (F32) — for MPNet no token-type table and its
/// relative-position bias (F32). A value q stands for q / scale.
extension Int8BertModel {
    static let componentName = FirstPartyComponents.Q8BERT.model

    /// Every stored tensor by name.
    func storedTensors() -> [String: SafetensorsValue] {
        var out: [String: SafetensorsValue] = [:]
        func table(_ name: String, _ t: Int8Tensor) {
            out[name + ".weight"] = .int8(IntegerArray(shape: t.shape, scalars: t.scalars))
            out[name + ".weight_scale"] = .float(Tensor(shape: [1], scalars: [t.scale]))
        }
        // Rows `part` of `d` (one of the stacked q, k, v) or all of them.
        func dense(_ name: String, _ d: QuantizedDense, part: Int = 0, of parts: Int = 1) {
            let l = d.linear
            let rows = l.outFeatures / parts, k = l.inFeatures
            let r = part * rows..<(part + 1) * rows
            out[name + ".weight"] = .int8(IntegerArray(shape: [rows, k], scalars: Array(l.weight.scalars[r.lowerBound * k..<r.upperBound * k])))
            out[name + ".weight_scale"] = .float(Tensor(shape: [rows], scalars: Array(l.weightScales[r])))
            if let bias = l.bias { out[name + ".bias"] = .float(Tensor(shape: [rows], scalars: Array(bias.scalars[r]))) }
            if let s = d.inputScale { out[name + ".input_scale"] = .float(Tensor(shape: [1], scalars: [s])) }
        }
        table("embeddings.word_embeddings", wordEmbeddings)
        table("embeddings.position_embeddings", positionEmbeddings)
        if let relativeAttentionBias {
            out[BertModel.relativeAttentionBiasName] = .float(relativeAttentionBias)
        } else {
            table("embeddings.token_type_embeddings", tokenTypeEmbeddings)
        }
        out["embeddings.LayerNorm.weight"] = .float(embeddingNormWeight)
        out["embeddings.LayerNorm.bias"] = .float(embeddingNormBias)
        for (i, layer) in layers.enumerated() {
            let p = "encoder.layer.\(i)."
            for (i, name) in ["query", "key", "value"].enumerated() { dense(p + "attention.self." + name, layer.qkv, part: i, of: 3) }
            dense(p + "attention.output.dense", layer.attentionOutput)
            out[p + "attention.output.LayerNorm.weight"] = .float(layer.attentionNormWeight)
            out[p + "attention.output.LayerNorm.bias"] = .float(layer.attentionNormBias)
            dense(p + "intermediate.dense", layer.intermediate)
            dense(p + "output.dense", layer.output)
            out[p + "output.LayerNorm.weight"] = .float(layer.outputNormWeight)
            out[p + "output.LayerNorm.bias"] = .float(layer.outputNormBias)
        }
        dense("pooler.dense", pooler)
        if let classifier { dense("classifier", classifier) }
        return out
    }

    func save(to directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SafetensorsFile.write(storedTensors(), metadata: ["format": "bertslim-q8bert-int8"],
                                  to: folder.appendingPathComponent("model.safetensors").path)
        var object = config.jsonObject()
        object[ModelFolderContract.componentKey] = Self.componentName
        object["quantization"] = ["method": "q8bert", "bits": 8, "symmetric": true,
                                  "activations": dynamic ? "dynamic" : "static",
                                  "weights": perChannel ? "per-channel" : "per-tensor"] as [String: Any]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: folder.appendingPathComponent("config.json"), options: .atomic)
    }

    /// Rebuilds the model a folder written by ``save(to:)`` holds.
    convenience init(folder: String) throws {
        let model = try Self.read(folder)
        self.init(config: model.config, dynamic: model.dynamic, perChannel: model.perChannel,
                  embeddings: (model.wordEmbeddings, model.positionEmbeddings, model.tokenTypeEmbeddings),
                  embeddingNorm: (model.embeddingNormWeight, model.embeddingNormBias),
                  relativeAttentionBias: model.relativeAttentionBias, layers: model.layers, pooler: model.pooler,
                  classifier: model.classifier)
    }

    /// Replaces the whole model with the one a folder written by ``save(to:)`` holds.
    func load(from directory: String) throws {
        let model = try Self.read(directory)
        (config, dynamic, perChannel) = (model.config, model.dynamic, model.perChannel)
        (wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings) = (model.wordEmbeddings, model.positionEmbeddings, model.tokenTypeEmbeddings)
        (embeddingNormWeight, embeddingNormBias) = (model.embeddingNormWeight, model.embeddingNormBias)
        relativeAttentionBias = model.relativeAttentionBias
        (layers, pooler, classifier) = (model.layers, model.pooler, model.classifier)
    }

    private static func read(_ directory: String) throws -> Int8BertModel {
        let configPath = (directory as NSString).appendingPathComponent("config.json")
        let config = try BertConfig(path: configPath)
        guard let data = FileManager.default.contents(atPath: configPath),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object[ModelFolderContract.componentKey] as? String == Self.componentName,
              let quantization = object["quantization"] as? [String: Any],
              let activations = quantization["activations"] as? String, ["static", "dynamic"].contains(activations) else {
            throw BertError.invalidValue(file: configPath, key: "quantization",
                                         reason: "not a q8bert-int8 model (want bertslim_component q8bert-int8 and quantization.activations static or dynamic)")
        }
        let path = (directory as NSString).appendingPathComponent("model.safetensors")
        let file = try SafetensorsFile(path: path)
        let dynamic = activations == "dynamic"
        func floats(_ name: String, _ shape: [Int]) throws -> Tensor {
            let t = try file.tensor(named: name)
            guard t.shape == shape else { throw BertError.shapeMismatch(file: path, name: name, expected: shape, found: t.shape) }
            return t
        }
        func scale(_ name: String) throws -> Float {
            let s = try floats(name, [1]).scalars[0]
            guard s > 0, s.isFinite else { throw BertError.invalidValue(file: path, key: name, reason: "scale \(s) is not positive and finite") }
            return s
        }
        func table(_ name: String, _ shape: [Int]) throws -> Int8Tensor {
            let q = try file.integers(named: name + ".weight", as: Int8.self)
            guard q.shape == shape else { throw BertError.shapeMismatch(file: path, name: name + ".weight", expected: shape, found: q.shape) }
            return Int8Tensor(shape: q.shape, scalars: q.scalars, scale: try scale(name + ".weight_scale"))
        }
        func parts(_ name: String, _ shape: [Int]) throws -> (IntegerArray<Int8>, [Float], Tensor, Float?) {
            let q = try file.integers(named: name + ".weight", as: Int8.self)
            guard q.shape == shape else { throw BertError.shapeMismatch(file: path, name: name + ".weight", expected: shape, found: q.shape) }
            let scales = try floats(name + ".weight_scale", [shape[0]]).scalars
            guard scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw BertError.invalidValue(file: path, key: name + ".weight_scale", reason: "scales must be positive and finite")
            }
            return (q, scales, try floats(name + ".bias", [shape[0]]), dynamic ? nil : try scale(name + ".input_scale"))
        }
        func dense(_ name: String, _ shape: [Int]) throws -> QuantizedDense {
            let (q, s, b, input) = try parts(name, shape)
            return try QuantizedDense(weight: q, scales: s, bias: b, inputScale: input, name: name)
        }
        let h = config.hiddenSize
        var layers: [Int8BertLayer] = []
        for l in 0..<config.numHiddenLayers {
            let p = "encoder.layer.\(l)."
            let (heads, ffn) = (config.heads(layer: l), config.intermediateSize(layer: l))
            let inner = heads * config.headSize
            // q, k and v are stored apart (Hugging Face's names) and run as one stacked layer.
            let projections = try ["query", "key", "value"].map { try parts(p + "attention.self." + $0, [inner, h]) }
            layers.append(Int8BertLayer(
                qkv: try QuantizedDense(stacking: projections.map { ($0.0, $0.1, $0.2) }, inputScale: projections[0].3,
                                        name: p + "attention.self"),
                attentionOutput: try dense(p + "attention.output.dense", [h, inner]),
                intermediate: try dense(p + "intermediate.dense", [ffn, h]), output: try dense(p + "output.dense", [h, ffn]),
                attentionNorm: (try floats(p + "attention.output.LayerNorm.weight", [h]), try floats(p + "attention.output.LayerNorm.bias", [h])),
                outputNorm: (try floats(p + "output.LayerNorm.weight", [h]), try floats(p + "output.LayerNorm.bias", [h])),
                heads: heads, headSize: config.headSize, eps: config.layerNormEps))
        }
        let mpnet = config.modelType == .mpnet
        return Int8BertModel(
            config: config, dynamic: dynamic, perChannel: quantization["weights"] as? String == "per-channel",
            embeddings: (try table("embeddings.word_embeddings", [config.vocabSize, h]),
                         try table("embeddings.position_embeddings", [config.maxPositionEmbeddings, h]),
                         mpnet ? Int8Tensor(shape: [0, h], scalars: [], scale: 1)
                             : try table("embeddings.token_type_embeddings", [config.typeVocabSize, h])),
            embeddingNorm: (try floats("embeddings.LayerNorm.weight", [h]), try floats("embeddings.LayerNorm.bias", [h])),
            relativeAttentionBias: mpnet ? try floats(BertModel.relativeAttentionBiasName,
                                                      [config.relativeAttentionNumBuckets, config.numAttentionHeads]) : nil,
            layers: layers, pooler: try dense("pooler.dense", [h, h]),
            classifier: config.labels.isEmpty ? nil : try dense("classifier", [config.labels.count, h]))
    }
}
