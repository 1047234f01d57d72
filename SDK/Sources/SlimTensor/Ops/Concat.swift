// Joining tensors along an axis and cutting a range out of one: each is the other's
// backward. Both copy contiguous blocks of `size·inner` values per outer index.

/// Copies `count` blocks of `width` values: block o goes from `src + o·srcStride` to
/// `dst + o·dstStride`.
private func copyBlocks(_ src: UnsafePointer<Float>, srcStride: Int, _ dst: UnsafeMutablePointer<Float>,
                        dstStride: Int, width: Int, count: Int) {
    guard width > 0 else { return }
    for o in 0..<count { (dst + o * dstStride).update(from: src + o * srcStride, count: width) }
}

/// Joins tensors along `axis`.
/// - Parameters:
///   - tensors: at least one; equal shapes except along `axis`.
///   - axis: negative counts from the end.
/// - Returns: the common shape with `axis` the sum of the inputs' lengths.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat needs at least one tensor")
    let first = tensors[0].shape
    let layout = AxisLayout(first, axis: axis, op: "concat")
    let a = layout.axis
    for t in tensors {
        precondition(t.rank == first.count && t.shape.indices.allSatisfy { $0 == a || t.shape[$0] == first[$0] },
                     "concat along axis \(axis): shapes \(first) and \(t.shape) differ off that axis")
    }
    if tensors.count == 1 { return tensors[0] }
    let lengths = tensors.map { $0.shape[a] }
    let total = lengths.reduce(0, +)
    var shape = first
    shape[a] = total
    var out = Tensor(uninitializedShape: shape)
    out.withUnsafeMutableBufferPointer { y in
        var offset = 0
        for (t, length) in zip(tensors, lengths) {
            t.withUnsafeBufferPointer { x in
                copyBlocks(x.baseAddress!, srcStride: length * layout.inner, y.baseAddress! + offset,
                           dstStride: total * layout.inner, width: length * layout.inner, count: layout.outer)
            }
            offset += length * layout.inner
        }
    }
    let needs = tensors.map(\.requiresGrad)
    // g: (…, Σ lengths, …) → one slice per input.
    return .record(out, inputs: tensors) { g in
        var start = 0
        return zip(lengths, needs).map { length, need in
            defer { start += length }
            return need ? g.slice(axis: a, range: start..<(start + length)) : nil
        }
    }
}

extension Tensor {
    /// The values whose index along `axis` lies in `range` (a copy).
    /// - Parameters:
    ///   - axis: negative counts from the end.
    ///   - range: within `0...shape[axis]`; may be empty.
    /// - Returns: this shape with `axis` of length `range.count`.
    public func slice(axis: Int, range: Range<Int>) -> Tensor {
        let layout = AxisLayout(shape, axis: axis, op: "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= layout.size,
                     "slice: range \(range) is out of bounds for axis \(axis) of shape \(shape)")
        var outShape = shape
        outShape[layout.axis] = range.count
        var out = Tensor(uninitializedShape: outShape)
        out.withUnsafeMutableBufferPointer { y in
            withUnsafeBufferPointer { x in
                copyBlocks(x.baseAddress! + range.lowerBound * layout.inner, srcStride: layout.size * layout.inner,
                           y.baseAddress!, dstStride: range.count * layout.inner,
                           width: range.count * layout.inner, count: layout.outer)
            }
        }
        let source = shape
        // g: the slice's shape → zeros of the source shape with g written into the range.
        return .record(out, inputs: [self]) { g in
            var dx = Tensor.zeros(source)
            dx.withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { s in
                    copyBlocks(s.baseAddress!, srcStride: range.count * layout.inner,
                               d.baseAddress! + range.lowerBound * layout.inner,
                               dstStride: layout.size * layout.inner, width: range.count * layout.inner,
                               count: layout.outer)
                }
            }
            return [dx]
        }
    }
}
