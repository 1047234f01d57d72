internal import CSlimKernels

/// Row-major int8 values with a shape and the symmetric scale they were quantized with:
/// each value stands for `q / scale` (Zafrir et al. 2019, Q8BERT: scale = 127 / max|x|).
///
/// Activations between int8 layers live in these. The bytes come from SlimTensor's
/// buffer pool (a forward pass makes the same sizes layer after layer, and fresh pages
/// cost more than the loops that fill them). The values are written once, when the tensor
/// is made, and never change afterwards.
public struct Int8Tensor {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// Quantization scale: a value q means q / scale.
    public let scale: Float
    let storage: TensorStorage

    /// Number of values.
    public var count: Int { Tensor.elementCount(shape) }

    /// A tensor whose values `fill` writes (every one of them).
    init(shape: [Int], scale: Float, fill: (UnsafeMutablePointer<Int8>) -> Void) {
        self.shape = shape
        self.scale = scale
        storage = TensorStorage(count: (Tensor.elementCount(shape) + 3) / 4)
        fill(UnsafeMutableRawPointer(storage.pointer).bindMemory(to: Int8.self, capacity: max(Tensor.elementCount(shape), 1)))
    }

    /// A tensor holding `scalars`.
    public init(shape: [Int], scalars: [Int8], scale: Float) {
        precondition(Tensor.elementCount(shape) == scalars.count, "shape \(shape) needs \(Tensor.elementCount(shape)) values, got \(scalars.count)")
        self.init(shape: shape, scale: scale) { out in
            scalars.withUnsafeBufferPointer { if let base = $0.baseAddress { out.update(from: base, count: $0.count) } }
        }
    }

    /// Read access to the values.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Int8>) throws -> R) rethrows -> R {
        let base = UnsafeRawPointer(storage.pointer).bindMemory(to: Int8.self, capacity: max(count, 1))
        return try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// The values, in row-major order.
    public var scalars: [Int8] { withUnsafeBufferPointer { Array($0) } }

    /// The same values viewed with another shape of the same size.
    public func reshaped(_ newShape: [Int]) -> Int8Tensor {
        precondition(Tensor.elementCount(newShape) == count, "cannot view \(shape) as \(newShape)")
        return Int8Tensor(shape: newShape, scale: scale, storage: storage)
    }

    private init(shape: [Int], scale: Float, storage: TensorStorage) {
        self.shape = shape
        self.scale = scale
        self.storage = storage
    }
}

/// The Q8BERT scale for values whose largest magnitude is `maxAbs`: `127 / maxAbs`
/// (1 when `maxAbs` is 0 or not finite, so an all-zero tensor stays zero).
public func symmetricScale(maxAbs: Float) -> Float {
    maxAbs > 0 && maxAbs.isFinite ? 127 / maxAbs : 1
}

/// Largest magnitude in `x` (0 for an empty tensor).
public func maxAbs(_ x: Tensor) -> Float {
    x.count == 0 ? 0 : x.withUnsafeBufferPointer { slim_max_abs($0.baseAddress, Int64($0.count)) }
}

/// Symmetric linear quantization: `q = clamp(round(x·scale), −127, 127)`, rounding half to
/// even (as PyTorch).
/// - Parameters:
///   - x: any shape.
///   - scale: positive; 127 / max|x| maps the largest value to ±127.
public func quantize(_ x: Tensor, scale: Float) -> Int8Tensor {
    precondition(scale > 0 && scale.isFinite, "quantize: scale \(scale) must be positive and finite")
    return Int8Tensor(shape: x.shape, scale: scale) { out in
        x.withUnsafeBufferPointer { slim_quantize_s8($0.baseAddress, out, Int64($0.count), scale) }
    }
}

/// The float values `q / scale`.
public func dequantize(_ q: Int8Tensor) -> Tensor {
    var y = Tensor(uninitializedShape: q.shape)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            q.withUnsafeBufferPointer { slim_dequantize_s8($0.baseAddress, out.baseAddress, Int64(out.count), 1 / q.scale) }
        }
    }
    return y
}

/// `LayerNorm(x + residual)` in float and, when `scale` is given, its int8 form quantized
/// in the same pass (the input of the next int8 GEMM).
/// - Parameters:
///   - x: `(…, C)`.
///   - residual: added to `x` first (the shape of `x`), or nil.
///   - gamma, beta: `(C)`.
///   - scale: the quantization scale of the output, or nil for float only.
/// - Returns: the float output and, with `scale`, the int8 one. Records no gradient.
public func layerNormQuantized(_ x: Tensor, residual: Tensor?, gamma: Tensor, beta: Tensor, eps: Float,
                               scale: Float?) -> (Tensor, Int8Tensor?) {
    let cols = x.shape[x.rank - 1], rows = x.count / max(cols, 1)
    precondition(gamma.shape == [cols] && beta.shape == [cols] && (residual == nil || residual!.shape == x.shape),
                 "layerNormQuantized: gamma \(gamma.shape), beta \(beta.shape), residual \(residual?.shape ?? []) for \(x.shape)")
    var y = Tensor(uninitializedShape: x.shape)
    func run(_ q: UnsafeMutablePointer<Int8>?) {
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { v in gamma.withUnsafeBufferPointer { g in beta.withUnsafeBufferPointer { b in
                withOptionalPointer(residual) { r in
                    slim_layernorm_quantize(v.baseAddress, r, g.baseAddress, b.baseAddress, out.baseAddress, q,
                                            Int64(rows), Int64(cols), eps, scale ?? 1)
                }
            } } }
        }
    }
    guard let scale else { run(nil); return (y, nil) }
    var q: Int8Tensor?
    q = Int8Tensor(shape: x.shape, scale: scale) { run($0) }
    return (y, q)
}

/// `out = table[ids]·(1/scale)` for an int8 embedding table, added to `out` when `accumulate`.
/// - Parameters:
///   - table: `(V, C)` int8 values.
///   - ids: `(…)` ids in `0..<V` (checked).
///   - out: `(…, C)`.
public func embeddingInt8(_ ids: IntTensor, table: Int8Tensor, into out: inout Tensor, accumulate: Bool) {
    let (vocabulary, width) = (table.shape[0], table.shape[1])
    precondition(out.shape == ids.shape + [width], "embeddingInt8: output \(out.shape) for ids \(ids.shape) and width \(width)")
    precondition(ids.scalars.allSatisfy { $0 >= 0 && Int($0) < vocabulary }, "embeddingInt8: an id is outside 0..<\(vocabulary)")
    out.withUnsafeMutableBufferPointer { o in
        table.withUnsafeBufferPointer { t in
            ids.scalars.withUnsafeBufferPointer { i in
                slim_embedding_gather_s8(t.baseAddress, 1 / table.scale, i.baseAddress, o.baseAddress,
                                         Int64(ids.count), Int64(width), accumulate ? 1 : 0)
            }
        }
    }
}
