internal import CSlimKernels

// Pointwise nonlinearities on the C kernels. They take `Tensor`, so they overload rather
// than hide Foundation's `tanh(Double)`: a file importing both resolves by argument type.

typealias PointwiseKernel = (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int64) -> Void
typealias PointwiseBackwardKernel =
    (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int64) -> Void

/// Runs a `(x, y, n)` kernel into a fresh tensor of the same shape.
func pointwise(_ x: Tensor, _ kernel: PointwiseKernel) -> Tensor {
    var y = Tensor(uninitializedShape: x.shape)
    y.withUnsafeMutableBufferPointer { out in
        x.withUnsafeBufferPointer { kernel($0.baseAddress, out.baseAddress, Int64(out.count)) }
    }
    return y
}

/// Runs a `(saved, dy, dx, n)` backward kernel.
func pointwiseBackward(_ saved: Tensor, _ dy: Tensor, _ kernel: PointwiseBackwardKernel) -> Tensor {
    precondition(saved.shape == dy.shape, "gradient \(dy.shape) for an output of shape \(saved.shape)")
    var dx = Tensor(uninitializedShape: dy.shape)
    dx.withUnsafeMutableBufferPointer { out in
        saved.withUnsafeBufferPointer { s in
            dy.withUnsafeBufferPointer { g in kernel(s.baseAddress, g.baseAddress, out.baseAddress, Int64(out.count)) }
        }
    }
    return dx
}

/// GELU in the exact (erf) form used by BERT: `x · Φ(x) = x/2 · (1 + erf(x/√2))`.
/// - Parameter x: any shape.
/// - Returns: the same shape.
public func gelu(_ x: Tensor) -> Tensor {
    let y = pointwise(x, slim_gelu_forward)
    let xd = x.detached
    // d/dx x·Φ(x) = Φ(x) + x·φ(x): needs the input, not the output.
    return .record(y, inputs: [x]) { g in [pointwiseBackward(xd, g, slim_gelu_backward)] }
}

/// Hyperbolic tangent, elementwise.
/// - Parameter x: any shape.
/// - Returns: the same shape, values in (−1, 1).
public func tanh(_ x: Tensor) -> Tensor {
    let y = pointwise(x, slim_tanh_forward)
    return .record(y, inputs: [x]) { g in [pointwiseBackward(y, g, slim_tanh_backward)] }
}

/// Logistic sigmoid `1 / (1 + e^{−x})`, elementwise.
/// - Parameter x: any shape.
/// - Returns: the same shape, values in (0, 1).
public func sigmoid(_ x: Tensor) -> Tensor {
    let y = pointwise(x, slim_sigmoid_forward)
    return .record(y, inputs: [x]) { g in [pointwiseBackward(y, g, slim_sigmoid_backward)] }
}

/// Rectified linear unit `max(x, 0)`, elementwise (NaN stays NaN; the gradient at 0 is 0,
/// as in PyTorch).
/// - Parameter x: any shape.
/// - Returns: the same shape.
public func relu(_ x: Tensor) -> Tensor {
    let y = pointwise(x, slim_relu_forward)
    return .record(y, inputs: [x]) { g in [pointwiseBackward(y, g, slim_relu_backward)] }
}
