import BertSlimSDK
import Foundation

/// BERT converted to int8 by Q8BERT (Zafrir et al. 2019): every Linear layer (attention,
/// FFN, pooler, classifier) holds int8 weights and runs oneDNN's int8 matmul; the three
/// embedding tables are int8 (two for MPNet); LayerNorm, softmax, GELU and MPNet's
/// relative-position bias stay in float.
///
/// With static quantization each Linear layer has a frozen input scale (from QAT's EMA
/// ranges or calibration), LayerNorm writes the next GEMM's int8 input in the same pass and
/// the FFN's GELU output is requantized inside the GEMM. With dynamic quantization each
/// input is quantized with its own max|x|, as PyTorch's `quantize_dynamic`.
///
/// Its folder (`config.json` naming `q8bert-int8` under ``ModelFolderContract/componentKey``,
/// `model.safetensors` with I8 weights and F32 scales) rebuilds it through ``init(folder:)``. It
/// runs inference only (a ``LoadableModel``, not a ``Student``): training it again means
/// quantizing the float model again.
final class Int8BertModel: LoadableModel {
    var config: BertConfig
    var dynamic: Bool
    var perChannel: Bool
    var wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings: Int8Tensor
    var embeddingNormWeight, embeddingNormBias: Tensor
    /// MPNet's relative-position bias table (float), nil for BERT.
    var relativeAttentionBias: Tensor?
    var layers: [Int8BertLayer]
    var pooler: QuantizedDense
    var classifier: QuantizedDense?

    init(config: BertConfig, dynamic: Bool, perChannel: Bool, embeddings: (Int8Tensor, Int8Tensor, Int8Tensor),
         embeddingNorm: (Tensor, Tensor), relativeAttentionBias: Tensor?, layers: [Int8BertLayer], pooler: QuantizedDense,
         classifier: QuantizedDense?) {
        self.config = config
        self.dynamic = dynamic
        self.perChannel = perChannel
        (wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings) = embeddings
        (embeddingNormWeight, embeddingNormBias) = embeddingNorm
        self.relativeAttentionBias = relativeAttentionBias
        self.layers = layers
        self.pooler = pooler
        self.classifier = classifier
    }

    /// Class names in logit order.
    var labels: [String] { config.labels }

    /// The model's values as float parameters under Hugging Face names (int8 weights
    /// dequantized, q/k/v split again): what selectors and reports count. Made on demand.
    var namedParameters: [(name: String, parameter: Parameter)] {
        let stored = storedTensors()
        return stored.compactMap { name, value -> (String, Tensor)? in
            switch value {
            case .float(let t) where !name.hasSuffix("_scale"): return (name, t)
            case .int8(let q):
                // q / S_w, one scale per row (or one for the table).
                guard let scales = stored[name + "_scale"]?.tensor?.scalars else { return nil }
                let width = q.count / max(q.shape[0], 1)
                return (name, Tensor(shape: q.shape, scalars: q.scalars.enumerated().map {
                    Float($0.element) / scales[scales.count == 1 ? 0 : $0.offset / width]
                }))
            default: return nil
            }
        }.map { (name: $0.0, parameter: Parameter($0.1)) }.sorted { $0.name < $1.name }
    }

    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        let (b, t) = (batch.size, batch.length)
        guard !request.contains(.attentionScores) && !request.contains(.attentionProbabilities) else {
            throw ComponentError("q8bert-int8", "an int8 model does not keep attention scores or probabilities (use the float model)")
        }
        guard t <= config.maxSequenceLength else {
            throw ComponentError("q8bert-int8", "a sequence of \(t) tokens exceeds the model's \(config.maxSequenceLength) positions")
        }
        let mpnet = config.modelType == .mpnet
        guard batch.inputIDs.scalars.allSatisfy({ $0 >= 0 && Int($0) < config.vocabSize }),
              mpnet || batch.tokenTypeIDs.scalars.allSatisfy({ $0 >= 0 && Int($0) < config.typeVocabSize }) else {
            throw ComponentError("q8bert-int8", "a token or segment id is outside the model's vocabulary")
        }
        var sum = Tensor(uninitializedShape: [b, t, config.hiddenSize])
        embeddingInt8(batch.inputIDs, table: wordEmbeddings, into: &sum, accumulate: false)
        embeddingInt8(config.positionIDs(for: batch), table: positionEmbeddings, into: &sum, accumulate: true)
        if !mpnet { embeddingInt8(batch.tokenTypeIDs, table: tokenTypeEmbeddings, into: &sum, accumulate: true) }
        let bias = relativeAttentionBias.map { RelativePositionBias(table: $0, config: config, length: t) }
        let firstScale = layers.first?.qkv.inputScale
        var (x, xq) = layerNormQuantized(sum, residual: nil, gamma: embeddingNormWeight, beta: embeddingNormBias,
                                         eps: config.layerNormEps, scale: firstScale)
        let mask = Tensor(shape: [b, t], scalars: batch.attentionMask.scalars.map { $0 != 0 ? 0 : -Float.greatestFiniteMagnitude })
        var output = ModelOutput(logits: nil)
        if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
        for (l, layer) in layers.enumerated() {
            let input = xq ?? layer.qkv.quantizeInput(x)
            (x, xq) = layer.forward(x, input, mask: mask, bias: bias?.forLayer(l),
                                    nextScale: l + 1 < layers.count ? layers[l + 1].qkv.inputScale : nil)
            if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
        }
        let cls = x.slice(axis: 1, range: 0..<1).reshaped([b, config.hiddenSize])
        let pooled = tanh(pooler(cls))
        output.pooled = pooled
        if let classifier { output.logits = classifier(pooled) }
        return output
    }
}
