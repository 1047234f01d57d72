// Maximum along an axis. The value has a gradient (to the first maximal element, as
// PyTorch's `max(dim)`); the index is for accuracy and decoding, without one.

/// Index along `axis` of the first largest value of every slice (NaN counts as largest).
private func argmaxIndices(_ x: Tensor, _ l: AxisLayout) -> [Int] {
    precondition(l.size > 0, "max/argmax along an empty axis of shape \(x.shape)")
    var result = [Int](repeating: 0, count: l.outer * l.inner)
    x.withUnsafeBufferPointer { v in
        for o in 0..<l.outer {
            for i in 0..<l.inner {
                let base = o * l.size * l.inner + i
                var best = 0, bestValue = v[base]
                for j in 1..<max(l.size, 1) where !bestValue.isNaN {
                    let e = v[base + j * l.inner]
                    if e > bestValue || e.isNaN { best = j; bestValue = e }
                }
                result[o * l.inner + i] = best
            }
        }
    }
    return result
}

/// The largest value along `axis`.
/// - Parameters:
///   - x: any shape with at least one axis; `axis` must not be empty.
///   - axis: negative counts from the end (default: the last axis).
/// - Returns: the shape of `x` without `axis`.
public func max(_ x: Tensor, axis: Int = -1) -> Tensor {
    let l = AxisLayout(x.shape, axis: axis, op: "max")
    let indices = argmaxIndices(x, l)
    var shape = x.shape
    shape.remove(at: l.axis)
    var out = Tensor(uninitializedShape: shape)
    out.withUnsafeMutableBufferPointer { y in
        x.withUnsafeBufferPointer { v in
            for (s, j) in indices.enumerated() {
                y[s] = v[(s / l.inner) * l.size * l.inner + j * l.inner + s % l.inner]
            }
        }
    }
    let source = x.shape
    // g: (outer, inner) → written at each slice's argmax, zero elsewhere.
    return .record(out, inputs: [x]) { g in
        var dx = Tensor.zeros(source)
        dx.withUnsafeMutableBufferPointer { d in
            g.withUnsafeBufferPointer { gv in
                for (s, j) in indices.enumerated() {
                    d[(s / l.inner) * l.size * l.inner + j * l.inner + s % l.inner] = gv[s]
                }
            }
        }
        return [dx]
    }
}

/// Index of the largest value along `axis` (the first one on ties), e.g. predicted classes
/// from logits `(N, C)`.
/// - Parameters:
///   - x: any shape with at least one axis; `axis` must not be empty.
///   - axis: negative counts from the end (default: the last axis).
/// - Returns: one index per slice, in row-major order of the shape without `axis`.
public func argmax(_ x: Tensor, axis: Int = -1) -> [Int] {
    argmaxIndices(x, AxisLayout(x.shape, axis: axis, op: "argmax"))
}
