internal import CSlimKernels

/// Scaled dot-product attention on a fused query/key/value projection, for inference:
/// `context = softmax(Q·Kᵀ/√d + mask)·V` (Vaswani et al. 2017), with Q, K and V read in place
/// from `qkv` and the context written with heads already merged — the head split and merge
/// copies of the unfused path never happen. Records no gradient.
/// - Parameters:
///   - qkv: `(B, T, 3·H·D)`, each token's query, key and value in that order (heads inside each).
///   - heads: H.
///   - mask: additive padding mask `(B, T)`.
/// - Returns: the context `(B, T, H·D)`.
public func fusedAttention(_ qkv: Tensor, heads: Int, mask: Tensor) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0, "fusedAttention: \(qkv.shape) is not (B, T, 3·H·D) for \(heads) heads")
    let (b, t) = (qkv.shape[0], qkv.shape[1])
    let d = qkv.shape[2] / (3 * heads)
    precondition(mask.shape == [b, t], "fusedAttention: mask \(mask.shape) for (B, T) = (\(b), \(t))")
    var scores = Tensor(uninitializedShape: [b, heads, t, t])
    var status = scores.withUnsafeMutableBufferPointer { s in
        qkv.withUnsafeBufferPointer { slim_attention_scores($0.baseAddress, s.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d), 1 / Float(d).squareRoot()) }
    }
    precondition(status == 0, "oneDNN attention scores failed with status \(status) for \(qkv.shape)")
    let probabilities = softmax(scores, additiveMask: mask)
    var context = Tensor(uninitializedShape: [b, t, heads * d])
    status = context.withUnsafeMutableBufferPointer { c in
        probabilities.withUnsafeBufferPointer { p in
            qkv.withUnsafeBufferPointer { slim_attention_context(p.baseAddress, $0.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d)) }
        }
    }
    precondition(status == 0, "oneDNN attention context failed with status \(status) for \(qkv.shape)")
    return context
}
