internal import CSlimKernels

/// Layer normalisation over the last axis: `(x − μ) / √(σ² + ε) · γ + β`, with μ and σ²
/// (biased) taken per row.
///
/// - Parameters:
///   - x: `(…, C)`.
///   - gamma: `(C)`, the scale.
///   - beta: `(C)`, the shift.
///   - eps: added to the variance (BERT uses 1e-12, PyTorch's default is 1e-5).
/// - Returns: the shape of `x`.
public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float) -> Tensor {
    precondition(x.rank >= 1, "layerNorm needs at least one axis, got a scalar")
    let cols = x.shape[x.rank - 1], rows = x.count / max(cols, 1)
    precondition(gamma.shape == [cols] && beta.shape == [cols],
                 "layerNorm: gamma \(gamma.shape) and beta \(beta.shape) must be [\(cols)] for input \(x.shape)")
    var y = Tensor(uninitializedShape: x.shape)
    var mean = [Float](repeating: 0, count: rows), rstd = [Float](repeating: 0, count: rows)
    if y.count > 0 {
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { v in gamma.withUnsafeBufferPointer { w in beta.withUnsafeBufferPointer { b in
                slim_layernorm_forward(v.baseAddress, w.baseAddress, b.baseAddress, out.baseAddress,
                                       &mean, &rstd, Int64(rows), Int64(cols), eps)
            } } }
        }
    }
    let (xd, gd) = (x.detached, gamma.detached)
    // x: (rows, C), x̂ = (x − μ)·rstd: dx = rstd·(dy⊙γ − mean(dy⊙γ) − x̂·mean(dy⊙γ⊙x̂)),
    // dγ = Σ_rows dy⊙x̂, dβ = Σ_rows dy. The kernel does all three in one pass.
    return .record(y, inputs: [x, gamma, beta]) { g in
        var dx = Tensor(uninitializedShape: xd.shape)
        var dgamma = Tensor.zeros([cols]), dbeta = Tensor.zeros([cols])
        if dx.count > 0 {
            dx.withUnsafeMutableBufferPointer { dxp in dgamma.withUnsafeMutableBufferPointer { dgp in
                dbeta.withUnsafeMutableBufferPointer { dbp in
                    xd.withUnsafeBufferPointer { v in gd.withUnsafeBufferPointer { w in g.withUnsafeBufferPointer { dy in
                        slim_layernorm_backward(v.baseAddress, w.baseAddress, mean, rstd, dy.baseAddress,
                                                dxp.baseAddress, dgp.baseAddress, dbp.baseAddress,
                                                Int64(rows), Int64(cols))
                    } } }
                }
            } }
        }
        return [dx, dgamma, dbeta]
    }
}
