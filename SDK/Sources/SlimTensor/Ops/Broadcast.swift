/// NumPy broadcasting: shapes are aligned at the right; a dimension of 1 stretches.
public enum Broadcast {
    /// The broadcast shape of `a` and `b`; `precondition` fails when they are incompatible.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        return (0..<rank).map { i in
            precondition(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1,
                         "shapes \(a) and \(b) do not broadcast")
            return max(pa[i], pb[i])
        }
    }

    /// Strides of `shape` read as if broadcast to `target` (0 along stretched dimensions).
    static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: target.count - shape.count) + shape
        var strides = Array(repeating: 0, count: target.count)
        var step = 1
        for i in stride(from: target.count - 1, through: 0, by: -1) {
            strides[i] = padded[i] == 1 && target[i] != 1 ? 0 : step
            step *= padded[i]
        }
        return strides
    }

    /// Calls `body(outIndex, aOffset, bOffset)` for every element of the broadcast shape,
    /// in row-major order.
    static func forEach(_ out: [Int], _ sa: [Int], _ sb: [Int], _ body: (Int, Int, Int) -> Void) {
        let n = Tensor.elementCount(out)
        guard n > 0 else { return }
        if out.isEmpty { body(0, 0, 0); return }
        var index = Array(repeating: 0, count: out.count)
        var oa = 0, ob = 0
        let last = out.count - 1
        for i in 0..<n {
            body(i, oa, ob)
            var d = last
            while d >= 0 {
                index[d] += 1
                oa += sa[d]; ob += sb[d]
                if index[d] < out[d] { break }
                oa -= sa[d] * out[d]; ob -= sb[d] * out[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension Tensor {
    /// Sums this gradient down to `target` (the reverse of broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Broadcast.shape(target, shape) == shape, "cannot reduce \(shape) to \(target)")
        var result = Tensor.zeros(target)
        let cols = target.last ?? 1
        if Tensor.elementCount(target) == cols, shape.last == cols, target.count <= shape.count {
            // A row bias: sum all rows.
            result.withUnsafeMutableBufferPointer { out in
                withUnsafeBufferPointer { g in slimSumRows(g, out, rows: count / cols, cols: cols) }
            }
            return result
        }
        let st = Broadcast.strides(of: target, in: shape)
        let zeros = Array(repeating: 0, count: shape.count)
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { g in
                Broadcast.forEach(shape, st, zeros) { i, o, _ in out[o] += g[i] }
            }
        }
        return result
    }
}
