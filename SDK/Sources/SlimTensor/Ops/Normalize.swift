// Unit-length vectors along an axis, and the cosine similarity built from them.

/// Divides `x` by its Euclidean norm along `axis`, as `torch.nn.functional.normalize`:
/// `x / max(‖x‖₂, eps)`.
/// - Parameters:
///   - x: any shape with at least one axis.
///   - axis: negative counts from the end.
///   - eps: the smallest norm divided by, so zero vectors stay zero instead of NaN.
/// - Returns: the shape of `x`.
public func l2Normalize(_ x: Tensor, axis: Int = -1, eps: Float = 1e-12) -> Tensor {
    let l = AxisLayout(x.shape, axis: axis, op: "l2Normalize")
    let slices = l.outer * l.inner
    // Per slice (o, i): the clamped norm divided by, and whether the clamp was active.
    var norms = [Float](repeating: 0, count: slices), clamped = [Bool](repeating: false, count: slices)
    var y = Tensor(uninitializedShape: x.shape)
    y.withUnsafeMutableBufferPointer { out in
        x.withUnsafeBufferPointer { v in
            for o in 0..<l.outer {
                for i in 0..<l.inner {
                    let base = o * l.size * l.inner + i
                    var squares = 0.0
                    for j in 0..<l.size { let e = Double(v[base + j * l.inner]); squares += e * e }
                    let norm = Float(squares.squareRoot())
                    let s = o * l.inner + i
                    clamped[s] = norm < eps
                    norms[s] = max(norm, eps)
                    for j in 0..<l.size { out[base + j * l.inner] = v[base + j * l.inner] / norms[s] }
                }
            }
        }
    }
    // Per slice, n = ‖x‖: dx = (g − y·(g·y)) / n; where the clamp held, n = eps is a
    // constant and dx = g / eps (PyTorch's clamp_min passes no gradient below the bound).
    return .record(y, inputs: [x]) { g in
        var dx = Tensor(uninitializedShape: y.shape)
        dx.withUnsafeMutableBufferPointer { d in
            y.withUnsafeBufferPointer { yv in
                g.withUnsafeBufferPointer { gv in
                    for o in 0..<l.outer {
                        for i in 0..<l.inner {
                            let base = o * l.size * l.inner + i, s = o * l.inner + i
                            var dot: Float = 0
                            if !clamped[s] { for j in 0..<l.size { dot += gv[base + j * l.inner] * yv[base + j * l.inner] } }
                            for j in 0..<l.size {
                                let k = base + j * l.inner
                                d[k] = (gv[k] - yv[k] * dot) / norms[s]
                            }
                        }
                    }
                }
            }
        }
        return [dx]
    }
}

/// Cosine similarity along `axis`, as `torch.nn.functional.cosine_similarity`:
/// `Σ a·b / (max(‖a‖, eps) · max(‖b‖, eps))`.
/// - Parameters:
///   - a: any shape.
///   - b: the rank of `a` and the same length along `axis`; other axes broadcast.
///   - axis: negative counts from the end.
///   - eps: the smallest norm divided by.
/// - Returns: the broadcast shape without `axis`.
public func cosineSimilarity(_ a: Tensor, _ b: Tensor, axis: Int = -1, eps: Float = 1e-8) -> Tensor {
    let la = AxisLayout(a.shape, axis: axis, op: "cosineSimilarity")
    precondition(a.rank == b.rank && b.shape[la.axis] == la.size,
                 "cosineSimilarity along axis \(axis): shapes \(a.shape) and \(b.shape) do not match on that axis")
    // Gradients come from the three ops it is built of.
    let product = l2Normalize(a, axis: la.axis, eps: eps) * l2Normalize(b, axis: la.axis, eps: eps)
    return sum(product, axes: [la.axis])
}
