internal import CSlimKernels

/// Scaled dot-product attention for inference, `context = softmax(Q·Kᵀ/√d + mask)·V`
/// (Vaswani et al. 2017), with Q, K and V read in place from the projections' `(B, T, H·D)`
/// layout and the context written with heads already merged: the head split and merge copies
/// of the unfused path never happen. Records no gradient.
/// - Parameters:
///   - query, key, value: `(B, T, H·D)`.
///   - heads: H.
///   - mask: additive padding mask `(B, T)`.
/// - Returns: the context `(B, T, H·D)`.
public func fusedAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: Tensor) -> Tensor {
    precondition(query.rank == 3 && query.shape[2] % heads == 0 && key.shape == query.shape && value.shape == query.shape,
                 "fusedAttention: q \(query.shape), k \(key.shape), v \(value.shape) are not one (B, T, H·D) for \(heads) heads")
    let (b, t) = (query.shape[0], query.shape[1])
    let d = query.shape[2] / heads
    precondition(mask.shape == [b, t], "fusedAttention: mask \(mask.shape) for (B, T) = (\(b), \(t))")
    var scores = Tensor(uninitializedShape: [b, heads, t, t])
    var status = scores.withUnsafeMutableBufferPointer { s in
        query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                slim_attention_scores(q.baseAddress, k.baseAddress, s.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d),
                                      1 / Float(d).squareRoot())
            }
        }
    }
    precondition(status == 0, "oneDNN attention scores failed with status \(status) for \(query.shape)")
    let probabilities = softmax(scores, additiveMask: mask)
    var context = Tensor(uninitializedShape: [b, t, heads * d])
    status = context.withUnsafeMutableBufferPointer { c in
        probabilities.withUnsafeBufferPointer { p in
            value.withUnsafeBufferPointer { slim_attention_context(p.baseAddress, $0.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d)) }
        }
    }
    precondition(status == 0, "oneDNN attention context failed with status \(status) for \(query.shape)")
    return context
}
