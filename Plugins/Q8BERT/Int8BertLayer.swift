import BertSlimSDK

/// One BERT encoder layer with int8 Linear layers (Q8BERT). Softmax, LayerNorm and GELU
/// stay in float (Zafrir et al. 2019); the attention products stay in float too (they have
/// no weights) and run fused, the scores never leaving cache.
final class Int8BertLayer {
    /// Query, key and value as one layer, rows q | k | v (each with its own weight scales):
    /// they share their int8 input, so one GEMM makes all three.
    let qkv: QuantizedDense
    let attentionOutput, intermediate, output: QuantizedDense
    let attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: Tensor
    let heads, headSize: Int
    let eps: Float

    init(qkv: QuantizedDense, attentionOutput: QuantizedDense, intermediate: QuantizedDense,
         output: QuantizedDense, attentionNorm: (Tensor, Tensor), outputNorm: (Tensor, Tensor),
         heads: Int, headSize: Int, eps: Float) {
        self.qkv = qkv
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
    /// `bias`: MPNet's relative-position bias `(heads, T, T)`, or nil.
    func forward(_ x: Tensor, _ xq: Int8Tensor, mask: Tensor, bias: Tensor?, nextScale: Float?) -> (Tensor, Int8Tensor?) {
        // Attention reads q, k and v in place (no head split or merge copies).
        let context = fusedAttention(qkv: qkv(xq), heads: heads, mask: mask, bias: bias)
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
