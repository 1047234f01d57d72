/// One Transformer encoder layer of BERT: self-attention (with padding mask and an
/// optional per-head gate) → dense + residual + LayerNorm → GELU FFN → dense + residual +
/// LayerNorm. Parameter names follow Hugging Face under `encoder.layer.N.`.
public final class BertLayer {
    public let query, queryBias, key, keyBias, value, valueBias: Parameter
    public let attentionOutput, attentionOutputBias, attentionNormWeight, attentionNormBias: Parameter
    public let intermediate, intermediateBias, output, outputBias, outputNormWeight, outputNormBias: Parameter
    /// Heads this layer has (after pruning).
    public internal(set) var heads: Int
    /// Width of one head.
    public let headSize: Int
    let eps: Float
    /// Rewrites Linear inputs and weights (quantization-aware training); see ``LinearTransform``.
    public internal(set) var linearTransform: (any LinearTransform)?

    /// A layer with `heads` heads and FFN width `ffn`: weights N(0, 0.02²) drawn from
    /// `generator` (zeros when nil, for weights about to be loaded), biases 0, LayerNorm 1/0.
    public init(hidden: Int, heads: Int, headSize: Int, ffn: Int, eps: Float, generator: inout SeededGenerator?) {
        func weight(_ rows: Int, _ cols: Int) -> Parameter {
            Parameter(generator == nil ? .zeros([rows, cols]) : .randomNormal([rows, cols], std: 0.02, using: &generator!))
        }
        let inner = heads * headSize
        query = weight(inner, hidden); queryBias = Parameter(.zeros([inner]))
        key = weight(inner, hidden); keyBias = Parameter(.zeros([inner]))
        value = weight(inner, hidden); valueBias = Parameter(.zeros([inner]))
        attentionOutput = weight(hidden, inner); attentionOutputBias = Parameter(.zeros([hidden]))
        attentionNormWeight = Parameter(.ones([hidden])); attentionNormBias = Parameter(.zeros([hidden]))
        intermediate = weight(ffn, hidden); intermediateBias = Parameter(.zeros([ffn]))
        output = weight(hidden, ffn); outputBias = Parameter(.zeros([hidden]))
        outputNormWeight = Parameter(.ones([hidden])); outputNormBias = Parameter(.zeros([hidden]))
        self.heads = heads
        self.headSize = headSize
        self.eps = eps
    }

    /// The Hugging Face names of a layer's parameters, relative to the layer, in
    /// ``namedParameters`` order.
    public static let parameterNames = [
        "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
        "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
        "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
        "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias",
    ]

    /// Parameters by their Hugging Face names relative to the layer.
    public var namedParameters: [(String, Parameter)] {
        Array(zip(Self.parameterNames, [query, queryBias, key, keyBias, value, valueBias, attentionOutput, attentionOutputBias,
                                        attentionNormWeight, attentionNormBias, intermediate, intermediateBias, output, outputBias,
                                        outputNormWeight, outputNormBias]))
    }

    /// What one layer's forward pass produced.
    public struct Output {
        public var hidden: Tensor
        public var scores: Tensor?
        public var probabilities: Tensor?
    }

    /// - Parameters:
    ///   - x: `(B, T, H)`.
    ///   - mask: additive padding mask `(B, T)` (0 keep, very negative drop).
    ///   - positionBias: `(heads, T, T)` added to the attention scores (MPNet's relative-position
    ///     bias), or nil.
    ///   - headGate: `(heads)` multiplying each head's attention probabilities (Sixteen
    ///     Heads' ξ, or hard-concrete gates), or nil.
    ///   - neuronGate: `(ffn)` multiplying each FFN neuron's activation, or nil.
    ///   - dropout: rates and generator when training, nil otherwise.
    public func forward(_ x: Tensor, mask: Tensor, positionBias: Tensor?, headGate: Tensor? = nil, neuronGate: Tensor? = nil,
                        keep: OutputRequest = [], dropout: DropoutContext? = nil) -> Output {
        if headGate == nil, neuronGate == nil, dropout == nil, linearTransform == nil,
           !keep.contains(.attentionScores), !keep.contains(.attentionProbabilities), !isRecording(x) {
            return Output(hidden: inferenceForward(x, mask: mask, positionBias: positionBias))
        }
        let q = splitHeads(dense(x, query, queryBias), heads: heads)
        let k = splitHeads(dense(x, key, keyBias), heads: heads)
        let v = splitHeads(dense(x, value, valueBias), heads: heads)
        // scores: (B, heads, T, T) = q kᵀ / √d
        var scores = matmul(q, k, transposeB: true, alpha: 1 / Float(headSize).squareRoot())
        if let positionBias { scores = scores + positionBias.reshaped([1] + positionBias.shape) }
        var probabilities = softmax(scores, additiveMask: mask)
        if let headGate {
            precondition(headGate.shape == [heads], "head gate \(headGate.shape) for a layer with \(heads) heads")
            probabilities = probabilities * headGate.reshaped([1, heads, 1, 1])
        }
        let attended = dropout.map { probabilities.dropped(rate: $0.attentionRate, &$0.generator) } ?? probabilities
        let context = mergeHeads(matmul(attended, v))
        var projected = dense(context, attentionOutput, attentionOutputBias)
        if let dropout { projected = projected.dropped(rate: dropout.hiddenRate, &dropout.generator) }
        let attentionOut = layerNorm(projected + x, gamma: attentionNormWeight.tensor, beta: attentionNormBias.tensor, eps: eps)
        var inner = dense(attentionOut, intermediate, intermediateBias, gelu: true)
        if let neuronGate {
            precondition(neuronGate.shape == [intermediate.shape[0]], "neuron gate \(neuronGate.shape) for a layer of \(intermediate.shape[0]) neurons")
            inner = inner * neuronGate
        }
        var out = dense(inner, output, outputBias)
        if let dropout { out = out.dropped(rate: dropout.hiddenRate, &dropout.generator) }
        let hidden = layerNorm(out + attentionOut, gamma: outputNormWeight.tensor, beta: outputNormBias.tensor, eps: eps)
        return Output(hidden: hidden,
                      scores: keep.contains(.attentionScores) ? scores : nil,
                      probabilities: keep.contains(.attentionProbabilities) ? probabilities : nil)
    }

    /// ``forward(_:mask:positionBias:headGate:neuronGate:keep:dropout:)`` without a position bias
    /// (BERT's layers; SDK 1.4's form).
    public func forward(_ x: Tensor, mask: Tensor, headGate: Tensor? = nil, neuronGate: Tensor? = nil, keep: OutputRequest = [],
                        dropout: DropoutContext? = nil) -> Output {
        forward(x, mask: mask, positionBias: nil, headGate: headGate, neuronGate: neuronGate, keep: keep, dropout: dropout)
    }
}

extension BertLayer {
    /// Whether this forward pass records gradients (for `x` or any weight).
    fileprivate func isRecording(_ x: Tensor) -> Bool {
        GradMode.isEnabled && (x.requiresGrad || namedParameters.contains { $0.1.requiresGrad })
    }

    /// The forward pass when nothing is recorded and no internals are asked for: attention
    /// in one pass per head with the scores kept in cache (``fusedAttention(query:key:value:heads:mask:)``),
    /// equal to the general path up to float summation order.
    fileprivate func inferenceForward(_ x: Tensor, mask: Tensor, positionBias: Tensor?) -> Tensor {
        let context = fusedAttention(query: dense(x, query, queryBias), key: dense(x, key, keyBias),
                                     value: dense(x, value, valueBias), heads: heads, mask: mask, bias: positionBias)
        let attentionOut = layerNorm(dense(context, attentionOutput, attentionOutputBias) + x,
                                     gamma: attentionNormWeight.tensor, beta: attentionNormBias.tensor, eps: eps)
        let inner = dense(attentionOut, intermediate, intermediateBias, gelu: true)
        return layerNorm(dense(inner, output, outputBias) + attentionOut,
                         gamma: outputNormWeight.tensor, beta: outputNormBias.tensor, eps: eps)
    }
}

/// Dropout rates and the generator that draws the masks, shared by a forward pass.
public final class DropoutContext {
    public let hiddenRate: Float
    public let attentionRate: Float
    public var generator: SeededGenerator

    public init(hiddenRate: Float, attentionRate: Float, generator: SeededGenerator) {
        self.hiddenRate = hiddenRate
        self.attentionRate = attentionRate
        self.generator = generator
    }
}

extension Tensor {
    /// Inverted dropout drawing its mask from `generator`.
    func dropped(rate: Float, _ generator: inout SeededGenerator) -> Tensor {
        rate > 0 ? SlimTensor.dropout(self, rate: rate, generator: &generator) : self
    }
}
