internal import CSlimKernels

// Softmax and log-softmax over the last axis, on the C row kernels.

/// Row softmax (or log-softmax) of `x` viewed as `(rows, cols)`; mask row r / rowsPerMask is
/// added first. No autograd.
func rowSoftmax(_ x: Tensor, mask: Tensor?, rowsPerMask: Int, logSpace: Bool) -> Tensor {
    let cols = x.shape.last ?? 1
    var y = Tensor(uninitializedShape: x.shape)
    if y.count == 0 { return y }
    y.withUnsafeMutableBufferPointer { out in
        x.withUnsafeBufferPointer { v in
            withOptionalPointer(mask) { m in
                slim_softmax_forward(v.baseAddress, m, Int64(rowsPerMask), out.baseAddress,
                                     Int64(out.count / cols), Int64(cols), logSpace ? 1 : 0)
            }
        }
    }
    return y
}

/// The gradient through a row softmax from its output `y` (probabilities, or log-probabilities
/// when `logSpace`). No autograd.
func rowSoftmaxBackward(_ y: Tensor, _ dy: Tensor, logSpace: Bool) -> Tensor {
    precondition(y.shape == dy.shape, "gradient \(dy.shape) for a softmax of shape \(y.shape)")
    let cols = y.shape.last ?? 1
    var dx = Tensor(uninitializedShape: y.shape)
    if dx.count == 0 { return dx }
    dx.withUnsafeMutableBufferPointer { out in
        y.withUnsafeBufferPointer { p in
            dy.withUnsafeBufferPointer { g in
                slim_softmax_backward(p.baseAddress, g.baseAddress, out.baseAddress,
                                      Int64(out.count / cols), Int64(cols), logSpace ? 1 : 0)
            }
        }
    }
    return dx
}

/// Softmax over the last axis, with an optional additive mask.
///
/// The mask is added to the scores before the row maximum is taken, so large negative
/// entries (−10 000, or `-.greatestFiniteMagnitude`) switch positions off. A row masked
/// everywhere with −∞ gives NaN, as in PyTorch.
/// - Parameters:
///   - x: `(B, …, T)`, e.g. attention scores `(B, H, T, T)`.
///   - additiveMask: `(B, T)` (or `(B, 1, …, 1, T)`); every row of `x` in batch b uses mask
///     row b. It receives no gradient.
/// - Returns: the shape of `x`; each row sums to 1.
public func softmax(_ x: Tensor, additiveMask: Tensor? = nil) -> Tensor {
    precondition(x.rank >= 1, "softmax needs at least one axis, got a scalar")
    var rowsPerMask = 1
    if let mask = additiveMask {
        let batch = x.shape[0], cols = x.shape[x.rank - 1]
        precondition(x.rank >= 2 && mask.shape.first == batch && mask.shape.last == cols
                     && mask.count == batch * cols,
                     "softmax: mask \(mask.shape) does not fit scores \(x.shape); expected [\(batch), \(cols)]")
        rowsPerMask = x.count / max(cols, 1) / max(batch, 1)
    }
    let y = rowSoftmax(x, mask: additiveMask?.detached, rowsPerMask: rowsPerMask, logSpace: false)
    // x: (rows, T): dx = y ⊙ (dy − Σ dy⊙y); the mask is a constant shift, so it drops out.
    return .record(y, inputs: [x]) { g in [rowSoftmaxBackward(y, g, logSpace: false)] }
}

/// Log-softmax over the last axis, `x − log Σ exp x`, computed without forming the
/// probabilities (stable for large scores).
/// - Parameter x: `(…, C)`.
/// - Returns: the shape of `x`.
public func logSoftmax(_ x: Tensor) -> Tensor {
    precondition(x.rank >= 1, "logSoftmax needs at least one axis, got a scalar")
    let y = rowSoftmax(x, mask: nil, rowsPerMask: 1, logSpace: true)
    // dx = dy − softmax(x) ⊙ Σ dy
    return .record(y, inputs: [x]) { g in [rowSoftmaxBackward(y, g, logSpace: true)] }
}
