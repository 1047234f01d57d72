// Reductions: sum and mean over all values or over chosen axes.

/// Σ of every value, as a scalar.
public func sum(_ x: Tensor) -> Tensor {
    let total = x.withUnsafeBufferPointer { v -> Float in
        var s = 0.0
        for f in v { s += Double(f) }
        return Float(s)
    }
    let shape = x.shape
    return .record(Tensor(total), inputs: [x]) { g in [Tensor(repeating: g.item, shape: shape)] }
}

/// Mean of every value, as a scalar.
public func mean(_ x: Tensor) -> Tensor { scale(sum(x), by: 1 / Float(max(x.count, 1))) }

/// Σ over `axes` (negative axes count from the end).
/// - Returns: the reduced axes removed, or kept with size 1 when `keepingDimensions`.
public func sum(_ x: Tensor, axes: [Int], keepingDimensions: Bool = false) -> Tensor {
    let normalized = Set(axes.map { $0 < 0 ? $0 + x.rank : $0 })
    precondition(normalized.allSatisfy { (0..<x.rank).contains($0) }, "axes \(axes) for shape \(x.shape)")
    let kept = x.shape.enumerated().map { normalized.contains($0.offset) ? 1 : $0.element }
    let value = x.detached.sum(toShape: kept)
    let source = x.shape
    let result = .record(value, inputs: [x]) { g in [broadcastApply(g, Tensor.zeros(source)) { a, _ in a }] } as Tensor
    return keepingDimensions ? result : result.reshaped(x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))
}

/// Mean over `axes`.
public func mean(_ x: Tensor, axes: [Int], keepingDimensions: Bool = false) -> Tensor {
    let n = axes.map { x.shape[$0 < 0 ? $0 + x.rank : $0] }.reduce(1, *)
    return scale(sum(x, axes: axes, keepingDimensions: keepingDimensions), by: 1 / Float(max(n, 1)))
}
