import BertSlimSDK

/// One BERT encoder layer with int8 Linear layers (Q8BERT). Query, key and value share
/// their int8 input. Softmax,
/// LayerNorm and GELU stay in float (Zafrir et al. 2019); the attention products stay in
/// float too (they have no weights, and at these sizes they are a small share of the time).
final class Int8BertLayer {
    let query, key, value, attentionOutput, intermediate, output: QuantizedDense
    let attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: Tensor
    let heads, headSize: Int
    let eps: Float
    /// Attention's P·V in bfloat16 (static scales only): faster, not in Q8BERT.
    var bf16Attention = false

    init(query: QuantizedDense, key: QuantizedDense, value: QuantizedDense, attentionOutput: QuantizedDense, intermediate: QuantizedDense,
         output: QuantizedDense, attentionNorm: (Tensor, Tensor), outputNorm: (Tensor, Tensor),
         heads: Int, headSize: Int, eps: Float) {
        self.query = query
        self.key = key
        self.value = value
        self.attentionOutput = attentionOutput
        self.intermediate = intermediate
        self.output = output
        (attentionNormWeight, attentionNormBias) = attentionNorm
        (outputNormWeight, outputNormBias) = outputNorm
        self.heads = heads
        self.headSize = headSize
        self.eps = eps
    }

    /// - Parameters:
    ///   - x: `(B, T, H)` float input (the residual).
    ///   - xq: `x` in int8 at this layer's input scale.
    ///   - mask: additive padding mask `(B, T)`.
    ///   - nextScale: the scale of the next int8 consumer of the output (nil: none, or dynamic).
    /// - Returns: the output in float and, with `nextScale`, in int8.
    func forward(_ x: Tensor, _ xq: Int8Tensor, mask: Tensor, nextScale: Float?) -> (Tensor, Int8Tensor?) {
        // Attention reads q, k and v in place (no head split or merge copies).
        let context = bf16Attention && query.inputScale != nil
            ? fusedAttention(xq, query: query.linear, key: key.linear, value: value.linear, heads: heads, mask: mask)
            : fusedAttention(query: query(xq), key: key(xq), value: value(xq), heads: heads, mask: mask)
        let projected = attentionOutput(context)
        let (attended, attendedQ) = layerNormQuantized(projected, residual: x, gamma: attentionNormWeight, beta: attentionNormBias,
                                                       eps: eps, scale: intermediate.inputScale)
        let hidden: Tensor
        if let innerScale = output.inputScale, let attendedQ {
            // Static: GELU and the requantization for the output GEMM run inside the intermediate GEMM.
            hidden = output(intermediate.linear.quantized(attendedQ, gelu: true, outputScale: innerScale))
        } else {
            let activated = intermediate(attendedQ ?? intermediate.quantizeInput(attended), gelu: true)
            hidden = output(activated)
        }
        return layerNormQuantized(hidden, residual: attended, gamma: outputNormWeight, beta: outputNormBias, eps: eps, scale: nextScale)
    }
}
