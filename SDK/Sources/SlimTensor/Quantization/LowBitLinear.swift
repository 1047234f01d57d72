internal import CSlimKernels

/// A fully connected layer on packed low-bit weights: `y = x·Wᵀ + b` with W a ``LowBitWeight``
/// (2, 3, 4 or 8 bits, linear or codebook). The float matrix W is never made whole.
///
/// Two kernels, measured at BERT's shapes (M = 1024 rows; K, N ∈ {384, 1536}; README, "Low-bit
/// weights"):
/// - **int8 activations** (``callAsFunction(_:gelu:)``, ``dynamic(_:gelu:)``): the codes are
///   unpacked to int8 per call and multiplied exactly on the int8 GEMM that ``Int8Linear`` uses
///   (oneDNN's with VNNI or AMX, BertSlim's int16-product kernel elsewhere); the zero points,
///   group scales, bias and GELU are applied in one epilogue. This is the inference kernel, as in
///   Q-BERT (Shen et al. 2019), whose activations are 8-bit: 0.36–0.48 of the fp32 GEMM's time
///   with AVX-512 VNNI, about the same time as fp32 at AVX2 (BertSlim's int16-product kernel).
///   Linear codes are exact in int8; a codebook is rounded to int8 per group (127 / max|c|), an
///   error of at most 1/254 of the group's largest centroid.
/// - **float activations** (``exact(_:gelu:)``): W is decoded a slab of rows at a time into a
///   small float buffer that oneDNN's f32 GEMM reads. Exact for every scheme, but about 1.3–1.4×
///   the time of the fp32 GEMM (oneDNN 2.6 leaves its brgemm kernel for `gemm:jit` when the output
///   is written a slab of columns at a time), so it serves accuracy references and weight-only
///   evaluation.
public final class LowBitLinear {
    /// The packed `(N, K)` weight.
    public let weight: LowBitWeight
    /// `(N)` float bias, or nil.
    public let bias: Tensor?
    /// A codebook's centroids rounded to int8 per group, with their scales (int8 path).
    private let int8Codebook: (values: [Int8], scales: [Float])?

    /// Output features N.
    public var outFeatures: Int { weight.rows }
    /// Input features K.
    public var inFeatures: Int { weight.columns }

    /// A layer on `weight` with an optional `(N)` bias.
    public init(weight: LowBitWeight, bias: Tensor?) {
        precondition(bias == nil || bias!.shape == [weight.rows], "LowBitLinear: bias \(bias!.shape) for weight \(weight.shape)")
        self.weight = weight
        self.bias = bias
        if weight.spec.scheme == .codebook {
            let levels = weight.spec.levels
            var values = [Int8](repeating: 0, count: weight.codebook.count)
            var scales = [Float](repeating: 1, count: weight.spec.groups)
            for g in 0..<weight.spec.groups {
                let centroids = weight.codebook[(g * levels)..<((g + 1) * levels)]
                scales[g] = symmetricScale(maxAbs: centroids.map(abs).max() ?? 0)
                for (j, c) in centroids.enumerated() {
                    values[g * levels + j] = Int8(max(-127, min(127, (c * scales[g]).rounded(.toNearestOrEven))))
                }
            }
            int8Codebook = (values, scales)
        } else {
            int8Codebook = nil
        }
    }

    /// `y = x·Wᵀ + b` (GELU of it with `gelu`) for int8 activations: the int8 kernel.
    /// - Parameter x: `(…, K)` int8 values with their scale.
    /// - Returns: `(…, N)` in float. Records no gradient.
    public func callAsFunction(_ x: Int8Tensor, gelu: Bool = false) -> Tensor {
        output(for: x.shape, kind: "int8") { rows, b, out in
            x.withUnsafeBufferPointer { input in
                weight.withView(int8Codebook: int8Codebook) {
                    slim_lowbit_linear_s8($0, rows, input.baseAddress, x.scale, b, out, gelu ? 1 : 0)
                }
            }
        }
    }

    /// Dynamic quantization's path: `x` quantized to int8 with its own scale 127 / max|x| (as
    /// PyTorch's `quantize_dynamic`), then the int8 kernel.
    /// - Parameter x: `(…, K)` floats.
    /// - Returns: `(…, N)`. Records no gradient.
    public func dynamic(_ x: Tensor, gelu: Bool = false) -> Tensor {
        self(quantize(x, scale: symmetricScale(maxAbs: maxAbs(x))), gelu: gelu)
    }

    /// `y = x·Wᵀ + b` (GELU of it with `gelu`) with float activations and W decoded exactly, a
    /// slab of rows at a time.
    /// - Parameter x: `(…, K)` floats.
    /// - Returns: `(…, N)`. Records no gradient.
    public func exact(_ x: Tensor, gelu: Bool = false) -> Tensor {
        output(for: x.shape, kind: "float") { rows, b, out in
            x.withUnsafeBufferPointer { input in
                weight.withView { slim_lowbit_linear_f32($0, rows, input.baseAddress, b, out, gelu ? 1 : 0) }
            }
        }
    }

    /// `(…, N)` for an input of `shape`, filled by `kernel(rows, bias, output)`, which returns a
    /// kernel status.
    private func output(for shape: [Int], kind: String,
                        _ kernel: (Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Int32) -> Tensor {
        precondition(shape.last == inFeatures, "LowBitLinear: input \(shape) for weight \(weight.shape)")
        let rows = shape.reduce(1, *) / inFeatures
        var y = Tensor(uninitializedShape: Array(shape.dropLast()) + [outFeatures])
        guard rows > 0 else { return y }
        let status = y.withUnsafeMutableBufferPointer { out in withOptionalPointer(bias) { kernel(Int64(rows), $0, out.baseAddress) } }
        precondition(status == 0, "low-bit \(kind) matmul failed with status \(status) for \(shape) · \(weight.shape)ᵀ")
        return y
    }

    /// The kernels used at `rows` rows on this thread, for int8 activations or (`int8: false`)
    /// float ones, e.g. `bertslim:lowbit_unpack_avx512+brg:avx512_core_vnni`.
    public func implementationName(rows: Int, int8: Bool = true) -> String {
        weight.withView(int8Codebook: int8Codebook) { String(cString: slim_lowbit_impl_name($0, Int64(rows), int8 ? 1 : 0)) }
    }
}
