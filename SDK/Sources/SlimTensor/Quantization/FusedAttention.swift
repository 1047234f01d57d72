internal import CSlimKernels

/// Scaled dot-product attention for inference, `context = softmax(Q·Kᵀ/√d + mask)·V`
/// (Vaswani et al. 2017), on the output of one q|k|v projection: each token's row holds its
/// query, key and value, `(B, T, 3·H·D)`, read in place; the context comes out with heads
/// already merged. With AVX-512 and D ∈ {16, 32, 64, 128} one pass per head keeps the
/// scores in cache (`slim_attention_fused`); otherwise q, k and v are copied apart and two
/// oneDNN products run around a softmax. Records no gradient.
/// - Parameters:
///   - qkv: `(B, T, 3·H·D)`, per token `[q | k | v]`.
///   - heads: H.
///   - mask: additive padding mask `(B, T)`.
/// - Returns: the context `(B, T, H·D)`.
public func fusedAttention(qkv: Tensor, heads: Int, mask: Tensor) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0,
                 "fusedAttention: q|k|v \(qkv.shape) is not (B, T, 3·H·D) for \(heads) heads")
    let (b, t, width) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
    let d = width / heads
    precondition(mask.shape == [b, t], "fusedAttention: mask \(mask.shape) for (B, T) = (\(b), \(t))")
    var context = Tensor(uninitializedShape: [b, t, width])
    guard context.count > 0 else { return context }
    let fused = context.withUnsafeMutableBufferPointer { c in
        qkv.withUnsafeBufferPointer { x in
            mask.withUnsafeBufferPointer { m in
                slim_attention_fused(x.baseAddress, x.baseAddress! + width, x.baseAddress! + 2 * width, Int64(3 * width),
                                     m.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d))
            }
        }
    }
    if fused == 0 { return context }
    let (query, key, value) = (qkv.slice(axis: 2, range: 0..<width), qkv.slice(axis: 2, range: width..<(2 * width)),
                               qkv.slice(axis: 2, range: (2 * width)..<(3 * width)))
    var scores = Tensor(uninitializedShape: [b, heads, t, t])
    var status = scores.withUnsafeMutableBufferPointer { s in
        query.withUnsafeBufferPointer { q in
            key.withUnsafeBufferPointer { k in
                slim_attention_scores(q.baseAddress, k.baseAddress, s.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d),
                                      1 / Float(d).squareRoot())
            }
        }
    }
    precondition(status == 0, "oneDNN attention scores failed with status \(status) for \(qkv.shape)")
    let probabilities = softmax(scores, additiveMask: mask)
    status = context.withUnsafeMutableBufferPointer { c in
        probabilities.withUnsafeBufferPointer { p in
            value.withUnsafeBufferPointer { slim_attention_context(p.baseAddress, $0.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d)) }
        }
    }
    precondition(status == 0, "oneDNN attention context failed with status \(status) for \(qkv.shape)")
    return context
}

/// Attention on three separate `(B, T, H·D)` projections (SDK 1.0; kept for plugins built
/// against it).
@available(*, deprecated, message: "use fusedAttention(qkv:heads:mask:) on one q|k|v projection")
public func fusedAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: Tensor) -> Tensor {
    fusedAttention(qkv: concat([query, key, value], axis: 2), heads: heads, mask: mask)
}

/// Attention on int8 projections (SDK 1.0, where P·V ran in bfloat16; now all float; kept for
/// plugins built against it).
@available(*, deprecated, message: "use one Int8Linear for q|k|v and fusedAttention(qkv:heads:mask:)")
public func fusedAttention(_ x: Int8Tensor, query: Int8Linear, key: Int8Linear, value: Int8Linear, heads: Int,
                           mask: Tensor) -> Tensor {
    fusedAttention(qkv: concat([query(x), key(x), value(x)], axis: 2), heads: heads, mask: mask)
}
