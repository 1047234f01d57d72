import BertSlimSDK

extension Int8BertModel {
    /// Converts a float BERT: int8 weights and tables with their scales, each Linear
    /// layer's input scale from `inputScale` (no function: dynamic quantization).
    /// - Parameters:
    ///   - model: the float model (its weights are read, not changed).
    ///   - perChannel: one weight scale per output row instead of one per tensor.
    ///   - inputScale: the frozen S_x of the Linear layer whose weight is the argument.
    /// - Throws: when a static conversion lacks a layer's range, or oneDNN has no int8 matmul.
    convenience init(converting model: BertModel, perChannel: Bool, inputScale: ((Parameter) -> Float?)?) throws {
        let dynamic = inputScale == nil
        func scale(_ weight: Parameter, _ name: String) throws -> Float? {
            guard let inputScale else { return nil }
            guard let s = inputScale(weight) else {
                throw ComponentError("q8bert", "\(name): no activation range was observed (calibrate or train first)")
            }
            return s
        }
        func dense(_ w: Parameter, _ b: Parameter, _ name: String) throws -> QuantizedDense {
            try QuantizedDense(weight: w.value, bias: b.value, inputScale: try scale(w, name), perChannel: perChannel, name: name)
        }
        func table(_ p: Parameter) -> Int8Tensor { quantize(p.value, scale: symmetricScale(maxAbs: maxAbs(p.value))) }
        let config = model.config
        let layers = try model.layers.enumerated().map { l, layer -> Int8BertLayer in
            let p = "encoder.layer.\(l)."
            // q, k and v share their input: one scale (the query's observer) quantizes it once for all three.
            func projection(_ w: Parameter, _ b: Parameter) -> (weight: IntegerArray<Int8>, scales: [Float], bias: Tensor) {
                let (q, scales) = quantizeWeight(w.value, perChannel: perChannel)
                return (q, scales, b.value)
            }
            return Int8BertLayer(
                qkv: try QuantizedDense(stacking: [projection(layer.query, layer.queryBias), projection(layer.key, layer.keyBias),
                                                   projection(layer.value, layer.valueBias)],
                                        inputScale: try scale(layer.query, p + "attention.self.query"), name: p + "attention.self"),
                attentionOutput: try dense(layer.attentionOutput, layer.attentionOutputBias, p + "attention.output.dense"),
                intermediate: try dense(layer.intermediate, layer.intermediateBias, p + "intermediate.dense"),
                output: try dense(layer.output, layer.outputBias, p + "output.dense"),
                attentionNorm: (layer.attentionNormWeight.value, layer.attentionNormBias.value),
                outputNorm: (layer.outputNormWeight.value, layer.outputNormBias.value),
                heads: layer.heads, headSize: layer.headSize, eps: config.layerNormEps)
        }
        var classifier: QuantizedDense?
        if let w = model.classifierWeight, let b = model.classifierBias { classifier = try dense(w, b, "classifier") }
        self.init(config: config, dynamic: dynamic, perChannel: perChannel,
                  embeddings: (table(model.wordEmbeddings), table(model.positionEmbeddings), table(model.tokenTypeEmbeddings)),
                  embeddingNorm: (model.embeddingNormWeight.value, model.embeddingNormBias.value),
                  relativeAttentionBias: model.relativeAttentionBias?.value, layers: layers, pooler: try dense(model.poolerWeight, model.poolerBias, "pooler.dense"), classifier: classifier)
    }
}

extension Int8BertModel: Dequantizable {
    /// The float BERT of the int8 values (each q / scale), for `bertslim export --dequantize`.
    func dequantizedModel() throws -> any Model {
        let model = BertModel(config: config, seed: nil)
        let values = Dictionary(uniqueKeysWithValues: namedParameters.map { ($0.name, $0.parameter.value) })
        for (name, parameter) in model.namedParameters {
            guard let value = values[name] else { throw ComponentError(Self.componentName, "no stored value for \(name)") }
            parameter.value = value
        }
        return model
    }
}
