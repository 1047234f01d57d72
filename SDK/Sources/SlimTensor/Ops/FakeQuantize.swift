internal import CSlimKernels

/// Fake quantization: `x` quantized to int8 and back, `clamp(round(x·s), ±127) / s`, so
/// that training sees the rounding an int8 model will make (Zafrir et al. 2019, Q8BERT;
/// Jacob et al. 2018).
///
/// The backward pass is the straight-through estimator: the rounding is treated as the
/// identity, `dx = dy` (Bengio et al. 2013), as in Q8BERT.
/// - Parameters:
///   - x: any shape.
///   - scale: positive and finite (127 / max|x| for symmetric 8-bit).
/// - Returns: the shape of `x`.
public func fakeQuantize(_ x: Tensor, scale: Float) -> Tensor {
    precondition(scale > 0 && scale.isFinite, "fakeQuantize: scale \(scale) must be positive and finite")
    var y = Tensor(uninitializedShape: x.shape)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { slim_fake_quantize($0.baseAddress, out.baseAddress, Int64($0.count), scale) }
        }
    }
    return .record(y, inputs: [x]) { g in [g] }
}

/// Fake quantization with one scale per row (per output channel of a `(N, K)` weight).
/// Straight-through estimator backward, as ``fakeQuantize(_:scale:)``.
/// - Parameters:
///   - x: `(N, …)`.
///   - rowScales: N positive scales.
public func fakeQuantize(_ x: Tensor, rowScales: [Float]) -> Tensor {
    precondition(x.rank >= 1 && x.shape[0] == rowScales.count, "fakeQuantize: \(rowScales.count) scales for \(x.shape)")
    precondition(rowScales.allSatisfy { $0 > 0 && $0.isFinite }, "fakeQuantize: scales must be positive and finite")
    var y = Tensor(uninitializedShape: x.shape)
    let width = x.count / max(rowScales.count, 1)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { v in
                for (r, s) in rowScales.enumerated() {
                    slim_fake_quantize(v.baseAddress! + r * width, out.baseAddress! + r * width, Int64(width), s)
                }
            }
        }
    }
    return .record(y, inputs: [x]) { g in [g] }
}
