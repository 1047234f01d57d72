internal import Foundation

/// BERT with its Linear weights stored at 2, 3, 4 or 8 bits (``LowBitWeight``: group-wise
/// uniform codes or a k-means codebook), what the `q-bert` and `kmeans` quantizers convert to.
///
/// Every Linear layer (query/key/value, attention output, FFN, pooler, classifier) runs
/// ``LowBitLinear``'s int8 path: the layer's input is quantized to 8 bits with its own
/// max|x| (dynamic, as Q-BERT's 8-bit activations) and multiplied exactly against the codes
/// unpacked to int8; the float weight matrix is never made. The three embedding tables are
/// int8 (one scale each); LayerNorm, softmax and GELU stay in float. The layers that share an
/// input (query, key, value) run as one stacked GEMM.
///
/// Its folder is `config.json` (BERT's, plus the `bertslim_component` that made it and a
/// `quantization` block declaring each Linear layer's ``LowBitSpec``) and `model.safetensors`
/// (the tensors of ``LowBitWeight/storedTensors(name:)``, F32 biases and LayerNorm, and each
/// table's I8 `weight` with an F32 `weight_scale`). transformers cannot read it;
/// ``dequantized()`` gives the float BERT it stands for.
public final class LowBitBertModel: LoadableModel, Dequantizable, CustomStringConvertible {
    /// The Linear layers of encoder layer `l`, by Hugging Face name.
    public static func encoderLinearNames(layer l: Int) -> [String] {
        ["query", "key", "value"].map { "encoder.layer.\(l).attention.self.\($0)" }
            + ["attention.output.dense", "intermediate.dense", "output.dense"].map { "encoder.layer.\(l).\($0)" }
    }

    /// The component that made it (written to `config.json`, so the folder reloads through it).
    public let component: String
    /// The architecture.
    public let config: BertConfig
    /// Every Linear layer's packed weight by Hugging Face layer name.
    public let weights: [String: LowBitWeight]
    /// What the quantizer wants recorded beside the specs (JSON values): the `quantization`
    /// block's other keys, e.g. a bit allocation's sharpness per layer.
    public let details: [String: Any]
    let biases: [String: Tensor]
    let tables: [String: Int8Tensor]
    let norms: [String: Tensor]
    private let layers: [Layer]
    private let pooler: LowBitLinear
    private let classifier: LowBitLinear?

    private struct Layer {
        let qkv, attentionOutput, intermediate, output: LowBitLinear
        let attentionNorm, outputNorm: (weight: Tensor, bias: Tensor)
        let heads: Int
    }

    /// The names of the three embedding tables.
    static let tableNames = ["embeddings.word_embeddings", "embeddings.position_embeddings", "embeddings.token_type_embeddings"]

    /// A model from its parts, checked: `weights` must hold exactly the Linear layers of
    /// `config` (with their shapes), `floats` every bias and LayerNorm tensor.
    /// - Parameters:
    ///   - floats: biases (`<layer>.bias`) and LayerNorm parameters by tensor name.
    ///   - tables: the embedding tables by name (`embeddings.word_embeddings`, …).
    /// - Throws: ``BertError`` or ``LowBitError`` naming `path` and the tensor.
    public init(component: String, config: BertConfig, weights: [String: LowBitWeight], floats: [String: Tensor],
                tables: [String: Int8Tensor], details: [String: Any] = [:], path: String = "") throws {
        let shapes = Self.linearShapes(config)
        for (name, shape) in shapes {
            guard let w = weights[name] else { throw BertError.missingTensor(file: path, name: name + ".weight") }
            guard w.shape == shape else { throw BertError.shapeMismatch(file: path, name: name + ".weight", expected: shape, found: w.shape) }
            guard let b = floats[name + ".bias"] else { throw BertError.missingTensor(file: path, name: name + ".bias") }
            guard b.shape == [shape[0]] else { throw BertError.shapeMismatch(file: path, name: name + ".bias", expected: [shape[0]], found: b.shape) }
        }
        if let extra = weights.keys.first(where: { shapes[$0] == nil }) {
            throw BertError.invalidValue(file: path, key: "quantization.weights.\(extra)", reason: "the model has no such Linear layer")
        }
        let h = config.hiddenSize
        for (name, shape) in Self.normShapes(config) where floats[name]?.shape != shape {
            guard let t = floats[name] else { throw BertError.missingTensor(file: path, name: name) }
            throw BertError.shapeMismatch(file: path, name: name, expected: shape, found: t.shape)
        }
        for (name, rows) in zip(Self.tableNames, [config.vocabSize, config.maxPositionEmbeddings, config.typeVocabSize]) {
            guard let t = tables[name] else { throw BertError.missingTensor(file: path, name: name + ".weight") }
            guard t.shape == [rows, h] else { throw BertError.shapeMismatch(file: path, name: name + ".weight", expected: [rows, h], found: t.shape) }
        }
        self.component = component
        self.config = config
        self.weights = weights
        self.details = details
        self.biases = floats.filter { $0.key.hasSuffix(".bias") && shapes[String($0.key.dropLast(5))] != nil }
        self.norms = floats.filter { $0.key.contains("LayerNorm") }
        self.tables = tables
        func linear(_ name: String) -> LowBitLinear { LowBitLinear(weight: weights[name]!, bias: floats[name + ".bias"]!) }
        layers = try (0..<config.numHiddenLayers).map { l in
            let names = Self.encoderLinearNames(layer: l)
            let qkv = try LowBitWeight.stacked(names[0..<3].map { weights[$0]! }, name: "encoder.layer.\(l).attention.self")
            let p = "encoder.layer.\(l)."
            return Layer(qkv: LowBitLinear(weight: qkv, bias: Tensor(shape: [qkv.rows], scalars: names[0..<3].flatMap { floats[$0 + ".bias"]!.scalars })),
                         attentionOutput: linear(names[3]), intermediate: linear(names[4]), output: linear(names[5]),
                         attentionNorm: (floats[p + "attention.output.LayerNorm.weight"]!, floats[p + "attention.output.LayerNorm.bias"]!),
                         outputNorm: (floats[p + "output.LayerNorm.weight"]!, floats[p + "output.LayerNorm.bias"]!),
                         heads: config.heads(layer: l))
        }
        pooler = linear("pooler.dense")
        classifier = config.labels.isEmpty ? nil : linear("classifier")
    }

    /// Converts a float BERT: each encoder Linear weight as `pack` packs it (given the
    /// layer's name and `(N, K)` weight), the pooler and classifier at 8 bits symmetric per row,
    /// the embedding tables at 8 bits per table; biases and LayerNorm stay float.
    /// - Parameters:
    ///   - component: the component that reloads the folder.
    ///   - details: the `quantization` block's other keys.
    /// - Throws: what `pack` throws.
    public convenience init(converting model: BertModel, component: String, details: [String: Any] = [:],
                            pack: (_ name: String, _ weight: Tensor) throws -> LowBitWeight) throws {
        guard model.config.modelType == .bert else {
            throw ComponentError(component, "packs BERT encoders; this model is \(model.config.modelType.rawValue)")
        }
        var weights: [String: LowBitWeight] = [:], floats: [String: Tensor] = [:], tables: [String: Int8Tensor] = [:]
        let encoder = Set((0..<model.config.numHiddenLayers).flatMap(Self.encoderLinearNames))
        for (name, parameter) in model.namedParameters where !name.hasPrefix("linear_transform.") {
            let base = String(name.dropLast(name.hasSuffix(".weight") ? 7 : 5))
            if Self.tableNames.contains(base) {
                tables[base] = quantize(parameter.value, scale: symmetricScale(maxAbs: maxAbs(parameter.value)))
            } else if name.hasSuffix(".weight"), !name.contains("LayerNorm") {
                let w = parameter.value
                weights[base] = encoder.contains(base) ? try pack(base, w)
                    : try quantizeGroupwise(w, spec: LowBitSpec(bits: 8, groups: w.shape[0], scheme: .symmetric))
            } else {
                floats[name] = parameter.value
            }
        }
        try self.init(component: component, config: model.config, weights: weights, floats: floats, tables: tables, details: details)
    }

    /// Every Linear layer's `[N, K]` by name.
    static func linearShapes(_ config: BertConfig) -> [String: [Int]] {
        let h = config.hiddenSize
        var shapes: [String: [Int]] = ["pooler.dense": [h, h]]
        if !config.labels.isEmpty { shapes["classifier"] = [config.labels.count, h] }
        for l in 0..<config.numHiddenLayers {
            let (inner, ffn) = (config.heads(layer: l) * config.headSize, config.intermediateSize(layer: l))
            let names = encoderLinearNames(layer: l)
            for (name, shape) in zip(names, [[inner, h], [inner, h], [inner, h], [h, inner], [ffn, h], [h, ffn]]) { shapes[name] = shape }
        }
        return shapes
    }

    /// Every LayerNorm tensor's shape by name.
    static func normShapes(_ config: BertConfig) -> [String: [Int]] {
        let norms = ["embeddings.LayerNorm"] + (0..<config.numHiddenLayers).flatMap {
            ["encoder.layer.\($0).attention.output.LayerNorm", "encoder.layer.\($0).output.LayerNorm"]
        }
        return Dictionary(uniqueKeysWithValues: norms.flatMap { [($0 + ".weight", [config.hiddenSize]), ($0 + ".bias", [config.hiddenSize])] })
    }

    /// Class names in logit order.
    public var labels: [String] { config.labels }

    /// The weights as floats under Hugging Face names (the ``dequantized()`` model's): what
    /// selectors and reports count. Made on demand.
    public var namedParameters: [(name: String, parameter: Parameter)] { dequantized().namedParameters }

    /// Bytes of the encoder's Linear weights as stored (codes, scales, zero points, codebooks).
    public var encoderWeightBytes: Int {
        (0..<config.numHiddenLayers).flatMap(Self.encoderLinearNames).reduce(0) { $0 + weights[$1]!.byteCount }
    }

    /// The bits of each encoder layer's weights, `[4, 4, 3, …]` (a layer's six Linear layers
    /// share them when a quantizer made the model; otherwise the largest).
    public var layerBits: [Int] {
        (0..<config.numHiddenLayers).map { l in Self.encoderLinearNames(layer: l).map { weights[$0]!.spec.bits }.max()! }
    }

    public var description: String {
        let encoder = (0..<config.numHiddenLayers).flatMap(Self.encoderLinearNames)
        let scheme = Set(encoder.map { weights[$0]!.spec.scheme.rawValue }).sorted().joined(separator: "/")
        let bits = 8 * Double(encoderWeightBytes) / Double((0..<config.numHiddenLayers).flatMap(Self.encoderLinearNames).reduce(0) {
            $0 + weights[$1]!.rows * weights[$1]!.columns
        })
        return "\(component): encoder layers at \(layerBits.map(String.init).joined(separator: "/")) bits, \(scheme), "
            + String(format: "%.2f bits per encoder weight with scales", bits)
    }

    public func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        let (b, t) = (batch.size, batch.length)
        guard !request.contains(.attentionScores) && !request.contains(.attentionProbabilities) else {
            throw ComponentError(component, "a low-bit model does not keep attention scores or probabilities (use the float model)")
        }
        guard t <= config.maxPositionEmbeddings else { throw BertError.sequenceTooLong(tokens: t, positions: config.maxPositionEmbeddings) }
        if let bad = batch.inputIDs.scalars.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw BertError.tokenOutOfRange(id: Int(bad), vocabulary: config.vocabSize)
        }
        if let bad = batch.tokenTypeIDs.scalars.first(where: { $0 < 0 || Int($0) >= config.typeVocabSize }) {
            throw BertError.segmentOutOfRange(id: Int(bad), types: config.typeVocabSize)
        }
        let positions = IntTensor(shape: [b, t], scalars: (0..<b).flatMap { _ in (0..<t).map(Int32.init) })
        var sum = Tensor(uninitializedShape: [b, t, config.hiddenSize])
        for (i, ids) in [batch.inputIDs, positions, batch.tokenTypeIDs].enumerated() {
            embeddingInt8(ids, table: tables[Self.tableNames[i]]!, into: &sum, accumulate: i > 0)
        }
        let eps = config.layerNormEps
        var x = layerNormQuantized(sum, residual: nil, gamma: norms["embeddings.LayerNorm.weight"]!,
                                   beta: norms["embeddings.LayerNorm.bias"]!, eps: eps, scale: nil).0
        let mask = Tensor(shape: [b, t], scalars: batch.attentionMask.scalars.map { $0 != 0 ? 0 : -Float.greatestFiniteMagnitude })
        var output = ModelOutput(logits: nil)
        if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
        for layer in layers {
            let context = fusedAttention(qkv: layer.qkv.dynamic(x), heads: layer.heads, mask: mask)
            let attended = layerNormQuantized(layer.attentionOutput.dynamic(context), residual: x, gamma: layer.attentionNorm.weight,
                                              beta: layer.attentionNorm.bias, eps: eps, scale: nil).0
            let hidden = layer.output.dynamic(layer.intermediate.dynamic(attended, gelu: true))
            x = layerNormQuantized(hidden, residual: attended, gamma: layer.outputNorm.weight, beta: layer.outputNorm.bias,
                                   eps: eps, scale: nil).0
            if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
        }
        let pooled = tanh(pooler.dynamic(x.slice(axis: 1, range: 0..<1).reshaped([b, config.hiddenSize])))
        output.pooled = pooled
        if let classifier { output.logits = classifier.dynamic(pooled) }
        return output
    }

    public func dequantizedModel() throws -> any Model { dequantized() }

    /// The float BERT the codes stand for (each weight decoded, each table dequantized):
    /// a plain Hugging Face model, for `bertslim export --dequantize` and for comparisons.
    public func dequantized() -> BertModel {
        let model = BertModel(config: config, seed: nil)
        for (name, parameter) in model.namedParameters {
            let base = String(name.dropLast(name.hasSuffix(".weight") ? 7 : 5))
            if name.hasSuffix(".weight"), let w = weights[base] {
                parameter.value = w.dequantized()
            } else if let table = tables[base] {
                parameter.value = dequantize(table)
            } else {
                parameter.value = biases[name] ?? norms[name]!
            }
        }
        return model
    }
}

extension LowBitBertModel {
    /// What the model computes with where a low-bit quantizer keeps 8 bits, as fake quantization
    /// (straight-through gradients) for quantization-aware training: a Linear input at its own
    /// max|x|, a weight per output row (pooler, classifier), an embedding table per table.
    public static func fakeQuantizeEightBit(_ value: Tensor, operand: LinearOperand) -> Tensor {
        switch operand {
        case .weight: return fakeQuantize(value, rowScales: quantizeWeight(value.detached, perChannel: true).1)
        default: return fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value.detached)))
        }
    }
}
