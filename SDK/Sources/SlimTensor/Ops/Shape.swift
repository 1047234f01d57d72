// Shape ops: views share storage (reshape); permutations copy.

extension Tensor {
    /// The same values with another shape (no copy). One axis may be -1 (inferred).
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[inferred] = count / known
        }
        precondition(Tensor.elementCount(target) == count, "cannot reshape \(shape) to \(newShape)")
        let source = shape
        let value = Tensor(shape: target, storage: storage)
        return .record(value, inputs: [self]) { g in [g.reshaped(source)] }
    }

    /// Axes reordered: result axis i is this tensor's axis `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) for shape \(shape)")
        if axes == Array(0..<rank) { return self }
        let outShape = axes.map { shape[$0] }
        var inStrides = Array(repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = axes.map { inStrides[$0] }
        var out = Tensor(uninitializedShape: outShape)
        out.withUnsafeMutableBufferPointer { y in
            withUnsafeBufferPointer { x in
                let inner = outShape.last!, innerStride = strides.last!
                let outer = count / max(inner, 1)
                parallelFor(outer, grain: max(1, 4096 / max(inner, 1))) { rows in
                    // offset of the first element of each output row
                    var index = Array(repeating: 0, count: outShape.count - 1)
                    var rest = rows.lowerBound
                    for d in stride(from: outShape.count - 2, through: 0, by: -1) {
                        index[d] = rest % outShape[d]; rest /= outShape[d]
                    }
                    for row in rows {
                        var offset = 0
                        for d in 0..<index.count { offset += index[d] * strides[d] }
                        let dst = y.baseAddress! + row * inner
                        if innerStride == 1 {
                            dst.update(from: x.baseAddress! + offset, count: inner)
                        } else {
                            for j in 0..<inner { dst[j] = x[offset + j * innerStride] }
                        }
                        var d = index.count - 1
                        while d >= 0 { index[d] += 1; if index[d] < outShape[d] { break }; index[d] = 0; d -= 1 }
                    }
                }
            }
        }
        var inverse = Array(repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { inverse[a] = i }
        return .record(out, inputs: [self]) { g in [g.permuted(inverse)] }
    }

    /// Swaps two axes (a copy).
    public func transposed(_ a: Int = -2, _ b: Int = -1) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt((a + rank) % rank, (b + rank) % rank)
        return permuted(axes)
    }

    /// The last two axes swapped.
    public func swappingLastAxes() -> Tensor { transposed(-2, -1) }
}
