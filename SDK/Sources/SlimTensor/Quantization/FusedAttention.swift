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

/// Attention on int8 projections: `q` and `k` come out of their int8 GEMMs (static input
/// scale; scales and bias fused) in float, `v` directly in bfloat16; the scores are computed
/// in float, the softmax rounded to bf16, and P·V runs on oneDNN's bf16 kernel with float
/// accumulation (`brg:avx512_core_bf16` on CPUs with AVX512-BF16, about 2.5× the f32 speed
/// here). (Scores in bf16 too cost 0.8 points of MR accuracy after PTQ; this costs none
/// measurable.) Records no gradient.
/// - Parameters:
///   - x: `(B, T, H_in)`, the layer's int8 input.
///   - query, key, value: the projections, each `(H·D, H_in)`.
///   - heads: H.
///   - mask: additive padding mask `(B, T)`.
/// - Returns: the context `(B, T, H·D)` in float.
public func fusedAttention(_ x: Int8Tensor, query: Int8Linear, key: Int8Linear, value: Int8Linear, heads: Int,
                           mask: Tensor) -> Tensor {
    precondition(x.shape.count == 3 && query.outFeatures % heads == 0 && key.outFeatures == query.outFeatures
                 && value.outFeatures == query.outFeatures, "fusedAttention: projections \(query.outFeatures), \(key.outFeatures), \(value.outFeatures) for \(heads) heads")
    let (b, t) = (x.shape[0], x.shape[1])
    let d = query.outFeatures / heads
    precondition(mask.shape == [b, t], "fusedAttention: mask \(mask.shape) for (B, T) = (\(b), \(t))")
    let (q, k, v) = (query(x), key(x), value.bfloat16(x))
    let workspace = TensorStorage(count: b * heads * t * t * 3 / 2 + 1)  // float scores, then bf16 probabilities
    var context = Tensor(uninitializedShape: [b, t, heads * d])
    let status = context.withUnsafeMutableBufferPointer { c in
        mask.withUnsafeBufferPointer { m in
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    slim_attention_bf16(qp.baseAddress, kp.baseAddress,
                                        UnsafeMutableRawPointer(v.pointer).bindMemory(to: UInt16.self, capacity: 2 * v.count),
                                        m.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d), workspace.pointer)
                }
            }
        }
    }
    precondition(status == 0, "oneDNN attention failed with status \(status) for \(x.shape)")
    return context
}
