internal import CSlimKernels
internal import Foundation

/// A fully connected layer with int8 weights: `y = x·Wᵀ + b` for an int8 input `x` (scale
/// S_x) and int8 weights `W` (scale S_w per output row). It runs on oneDNN's int8 matmul where
/// that is exact (`brg:avx512_core_vnni` on AVX-512 VNNI CPUs, AMX, AVX-VNNI) and on
/// BertSlim's int16-product kernel elsewhere (AVX2 or AVX-512 without VNNI, where oneDNN's
/// int16 sums saturate); ``implementationName(rows:)`` says which. The choice follows
/// ``KernelISA/current`` when the layer is made.
///
/// As in Q8BERT (Zafrir et al. 2019) the bias is stored as int32 at scale S_w·S_x, and the
/// int32 accumulators are scaled back by 1 / (S_w·S_x) inside the GEMM. Weights are
/// reordered once into oneDNN's blocked layout. With a known input scale (static
/// quantization) the scales, the bias and optionally GELU and the requantization of the
/// output to int8 are fused into the GEMM; with ``dynamicInput`` (a new input scale each
/// batch) the GEMM writes int32 and a vectorised epilogue scales it, since oneDNN 2.6 runs a
/// much slower kernel when scales are runtime arguments.
public final class Int8Linear {
    /// `(N, K)` int8 weights, Hugging Face's Linear layout.
    public let weight: IntegerArray<Int8>
    /// N scales, one per output row (all equal for per-tensor quantization).
    public let weightScales: [Float]
    /// `(N)` float bias, or nil.
    public let bias: Tensor?
    let packed: OpaquePointer
    private var fused: [UInt32: (scales: [Float], bias: [Int32]?)] = [:]
    private let lock = NSLock()

    /// Output features N.
    public var outFeatures: Int { weight.shape[0] }
    /// Input features K.
    public var inFeatures: Int { weight.shape[1] }

    /// Packs `weight` for the int8 matmul; nil when no int8 kernel takes its shape.
    public init?(weight: IntegerArray<Int8>, weightScales: [Float], bias: Tensor?) {
        precondition(weight.shape.count == 2 && weightScales.count == weight.shape[0], "Int8Linear: \(weightScales.count) scales for weight \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Int8Linear: bias \(bias!.shape) for weight \(weight.shape)")
        guard let handle = weight.scalars.withUnsafeBufferPointer({
            slim_int8_pack_weights($0.baseAddress, Int64(weight.shape[0]), Int64(weight.shape[1]))
        }) else { return nil }
        self.weight = weight
        self.weightScales = weightScales
        self.bias = bias
        packed = handle
    }

    deinit { slim_int8_weights_free(packed) }

    /// The output scales 1/(S_w·S_x) and int32 bias round(b·S_w·S_x) for input scale S_x, kept per S_x.
    private func fusion(inputScale: Float) -> (scales: [Float], bias: [Int32]?) {
        lock.lock()
        defer { lock.unlock() }
        if let known = fused[inputScale.bitPattern] { return known }
        let scales = weightScales.map { 1 / ($0 * inputScale) }
        let intBias = bias.map { b in zip(b.scalars, weightScales).map { Int32(clamping: Int64(($0 * $1 * inputScale).rounded(.toNearestOrEven))) } }
        if fused.count > 64 { fused.removeAll() }
        fused[inputScale.bitPattern] = (scales, intBias)
        return (scales, intBias)
    }

    /// `y = x·Wᵀ + b` in float (GELU of it with `gelu`), the scales and bias fused into the GEMM.
    /// - Parameter x: `(…, K)` with its scale.
    /// - Returns: `(…, N)`.
    public func callAsFunction(_ x: Int8Tensor, gelu: Bool = false) -> Tensor {
        precondition(x.shape.last == inFeatures, "Int8Linear: input \(x.shape) for weight \(weight.shape)")
        let rows = x.count / inFeatures
        var y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        guard rows > 0 else { return y }
        let (scales, intBias) = fusion(inputScale: x.scale)
        let status = y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { input in
                withOptionalInts(intBias) { b in
                    slim_int8_linear(packed, Int64(rows), input.baseAddress, scales, b, gelu ? 1 : 0, 1, 0, out.baseAddress)
                }
            }
        }
        precondition(status == 0, "int8 matmul failed with status \(status) for \(x.shape) · \(weight.shape)ᵀ")
        return y
    }

    /// `y = x·Wᵀ + b` (GELU of it with `gelu`) quantized to int8 at `outputScale` inside the
    /// GEMM: the next int8 layer's input without a float round trip.
    public func quantized(_ x: Int8Tensor, gelu: Bool, outputScale: Float) -> Int8Tensor {
        precondition(x.shape.last == inFeatures, "Int8Linear: input \(x.shape) for weight \(weight.shape)")
        let rows = x.count / inFeatures
        let (scales, intBias) = fusion(inputScale: x.scale)
        // Without GELU the output scale folds into the GEMM's; with it, it scales GELU's result.
        let gemmScales = gelu ? scales : scales.map { $0 * outputScale }
        var status: Int32 = 0
        let y = Int8Tensor(shape: Array(x.shape.dropLast()) + [outFeatures], scale: outputScale) { out in
            guard rows > 0 else { return }
            status = x.withUnsafeBufferPointer { input in
                withOptionalInts(intBias) { b in
                    slim_int8_linear(packed, Int64(rows), input.baseAddress, gemmScales, b, gelu ? 1 : 0, outputScale, 1, out)
                }
            }
        }
        precondition(status == 0, "int8 matmul failed with status \(status) for \(x.shape) · \(weight.shape)ᵀ")
        return y
    }

    /// Dynamic quantization's path: int32 accumulators from the GEMM, then
    /// `y = acc / (S_w·S_x) + b` (GELU of it with `gelu`) in one vectorised pass.
    public func dynamic(_ x: Int8Tensor, gelu: Bool = false) -> Tensor {
        precondition(x.shape.last == inFeatures, "Int8Linear: input \(x.shape) for weight \(weight.shape)")
        let rows = x.count / inFeatures
        var y = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures])
        guard rows > 0 else { return y }
        let accumulators = TensorStorage(count: rows * outFeatures)  // int32, the size of a float
        let acc = UnsafeMutableRawPointer(accumulators.pointer).bindMemory(to: Int32.self, capacity: rows * outFeatures)
        let status = x.withUnsafeBufferPointer { input in
            slim_int8_linear(packed, Int64(rows), input.baseAddress, nil, nil, 0, 1, 2, acc)
        }
        precondition(status == 0, "int8 matmul failed with status \(status) for \(x.shape) · \(weight.shape)ᵀ")
        let scales = weightScales.map { 1 / ($0 * x.scale) }
        y.withUnsafeMutableBufferPointer { out in
            withOptionalPointer(bias) { b in
                slim_dequantize_s32(acc, scales, b, out.baseAddress, Int64(rows), Int64(outFeatures))
            }
        }
        guard gelu else { return y }
        // GELU out of place, into the spent accumulators: an in-place call would fail the
        // loop's aliasing check and run scalar (ten times slower).
        let activated = Tensor(shape: y.shape, storage: accumulators)
        y.withUnsafeBufferPointer { slim_gelu_forward($0.baseAddress, accumulators.pointer, Int64(rows * outFeatures)) }
        return activated
    }

    /// The kernel used at `rows` rows with float output (e.g. `brg:avx512_core_vnni`, `bertslim:s16_avx2`).
    public func implementationName(rows: Int) -> String {
        String(cString: slim_int8_impl_name(packed, Int64(rows), 0))
    }
}

private func withOptionalInts<R>(_ values: [Int32]?, _ body: (UnsafePointer<Int32>?) -> R) -> R {
    guard let values else { return body(nil) }
    return values.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Symmetric int8 quantization of a `(N, K)` weight: one scale for the whole tensor or one
/// per output row, `S = 127 / max|W|` (Q8BERT).
/// - Returns: the int8 values and N scales (equal when `perChannel` is false).
public func quantizeWeight(_ w: Tensor, perChannel: Bool) -> (IntegerArray<Int8>, [Float]) {
    precondition(w.rank == 2, "quantizeWeight needs (N, K), got \(w.shape)")
    let (n, k) = (w.shape[0], w.shape[1])
    var scales = [Float](repeating: symmetricScale(maxAbs: maxAbs(w)), count: n)
    if perChannel {
        w.withUnsafeBufferPointer { v in
            for r in 0..<n { scales[r] = symmetricScale(maxAbs: slim_max_abs(v.baseAddress! + r * k, Int64(k))) }
        }
    }
    var q = [Int8](repeating: 0, count: n * k)
    w.withUnsafeBufferPointer { v in
        q.withUnsafeMutableBufferPointer { out in
            for r in 0..<n { slim_quantize_s8(v.baseAddress! + r * k, out.baseAddress! + r * k, Int64(k), scales[r]) }
        }
    }
    return (IntegerArray(shape: [n, k], scalars: q), scales)
}
