// Attention heads: the hidden axis split into (heads, headDim) and moved in front of the
// sequence, so each head's (T, D) block is contiguous for batched matmul. Both are a
// reshape (a view) and a permutation (a copy); autograd comes from those ops.

/// Splits the last axis into heads and moves them before the sequence axis.
/// - Parameters:
///   - x: `(B, T, H·D)`.
///   - heads: H; must divide the last axis.
/// - Returns: `(B, H, T, D)`.
public func splitHeads(_ x: Tensor, heads: Int) -> Tensor {
    precondition(x.rank == 3 && heads > 0 && x.shape[2] % heads == 0,
                 "splitHeads: \(x.shape) cannot be split into \(heads) heads (want (B, T, H·D))")
    let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
    return x.reshaped([b, t, heads, c / heads]).permuted([0, 2, 1, 3])
}

/// The inverse of ``splitHeads(_:heads:)``.
/// - Parameter x: `(B, H, T, D)`.
/// - Returns: `(B, T, H·D)`.
public func mergeHeads(_ x: Tensor) -> Tensor {
    precondition(x.rank == 4, "mergeHeads needs (B, H, T, D), got \(x.shape)")
    let (b, h, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.permuted([0, 2, 1, 3]).reshaped([b, t, h * d])
}
