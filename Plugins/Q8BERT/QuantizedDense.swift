import BertSlimSDK

/// One int8 Linear layer of a converted model with its frozen input scale (static
/// quantization) or none (dynamic: each batch's own max|x|).
struct QuantizedDense {
    let linear: Int8Linear
    /// S_x of the input; nil for dynamic quantization.
    let inputScale: Float?

    /// The input's int8 form at this layer's scale.
    func quantizeInput(_ x: Tensor) -> Int8Tensor {
        quantize(x, scale: inputScale ?? symmetricScale(maxAbs: maxAbs(x)))
    }

    /// `x·Wᵀ + b` (GELU of it with `gelu`) in float, for an input already in int8.
    func callAsFunction(_ x: Int8Tensor, gelu: Bool = false) -> Tensor {
        inputScale == nil ? linear.dynamic(x, gelu: gelu) : linear(x, gelu: gelu)
    }

    /// `x·Wᵀ + b` for a float input, quantized here.
    func callAsFunction(_ x: Tensor) -> Tensor { self(quantizeInput(x)) }

    /// A quantized copy of a float Linear (weight `(N, K)`, bias `(N)`).
    /// - Throws: when oneDNN has no int8 matmul for the shape.
    init(weight: Tensor, bias: Tensor, inputScale: Float?, perChannel: Bool, name: String) throws {
        let (q, scales) = quantizeWeight(weight, perChannel: perChannel)
        try self.init(weight: q, scales: scales, bias: bias, inputScale: inputScale, name: name)
    }

    /// One layer from several that share their input, their rows stacked in order (query,
    /// key and value: one GEMM instead of three).
    init(stacking parts: [(weight: IntegerArray<Int8>, scales: [Float], bias: Tensor)], inputScale: Float?, name: String) throws {
        let rows = parts.map { $0.weight.shape[0] }.reduce(0, +)
        try self.init(weight: IntegerArray(shape: [rows, parts[0].weight.shape[1]], scalars: parts.flatMap { $0.weight.scalars }),
                      scales: parts.flatMap { $0.scales }, bias: Tensor(shape: [rows], scalars: parts.flatMap { $0.bias.scalars }),
                      inputScale: inputScale, name: name)
    }

    /// A layer from stored int8 weights.
    init(weight: IntegerArray<Int8>, scales: [Float], bias: Tensor, inputScale: Float?, name: String) throws {
        guard let linear = Int8Linear(weight: weight, weightScales: scales, bias: bias) else {
            throw ComponentError("q8bert-int8", "\(name): oneDNN has no int8 matmul for weight \(weight.shape)")
        }
        self.linear = linear
        self.inputScale = inputScale
    }
}
