internal import CSlimKernels

/// Scaled dot-product attention for inference, `context = softmax(Q·Kᵀ/√d + mask)·V`
/// (Vaswani et al. 2017), on the output of one q|k|v projection: each token's row holds its
/// query, key and value, `(B, T, 3·H·D)`, read in place; the context comes out with heads
/// already merged. For head sizes that are multiples of 16 (up to 256) one pass per head keeps
/// the scores in cache (`slim_attention_fused`: AVX-512, AVX2 or portable C); other sizes
/// run two oneDNN products around a softmax. Records no gradient.
/// - Parameters:
///   - qkv: `(B, T, 3·H·D)`, per token `[q | k | v]`.
///   - heads: H.
///   - mask: additive padding mask `(B, T)`.
/// - Returns: the context `(B, T, H·D)`.
public func fusedAttention(qkv: Tensor, heads: Int, mask: Tensor) -> Tensor {
    fusedAttention(qkv: qkv, heads: heads, mask: mask, bias: nil)
}

/// ``fusedAttention(qkv:heads:mask:)`` with `bias`, `(H, T, T)`, added to every batch's scores
/// before the softmax (MPNet's relative-position bias), or nil.
public func fusedAttention(qkv: Tensor, heads: Int, mask: Tensor, bias: Tensor?) -> Tensor {
    precondition(qkv.rank == 3 && qkv.shape[2] % (3 * heads) == 0,
                 "fusedAttention: q|k|v \(qkv.shape) is not (B, T, 3·H·D) for \(heads) heads")
    let width = qkv.shape[2] / 3
    return qkv.withUnsafeBufferPointer { x in
        attention(x.baseAddress!, x.baseAddress! + width, x.baseAddress! + 2 * width, rowStride: 3 * width,
                  batch: qkv.shape[0], length: qkv.shape[1], heads: heads, headSize: width / heads, mask: mask, bias: bias)
    }
}

/// ``fusedAttention(qkv:heads:mask:)`` on three separate `(B, T, H·D)` projections, read in
/// place (BERT's float layers at inference, whose q, k and v come from three GEMMs).
public func fusedAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: Tensor) -> Tensor {
    fusedAttention(query: query, key: key, value: value, heads: heads, mask: mask, bias: nil)
}

/// ``fusedAttention(query:key:value:heads:mask:)`` with `bias`, `(H, T, T)`, added to every
/// batch's scores before the softmax (MPNet's relative-position bias), or nil.
public func fusedAttention(query: Tensor, key: Tensor, value: Tensor, heads: Int, mask: Tensor, bias: Tensor?) -> Tensor {
    precondition(query.rank == 3 && key.shape == query.shape && value.shape == query.shape && query.shape[2] % heads == 0,
                 "fusedAttention: q \(query.shape), k \(key.shape), v \(value.shape) for \(heads) heads")
    return query.withUnsafeBufferPointer { q in
        key.withUnsafeBufferPointer { k in
            value.withUnsafeBufferPointer { v in
                attention(q.baseAddress!, k.baseAddress!, v.baseAddress!, rowStride: query.shape[2], batch: query.shape[0],
                          length: query.shape[1], heads: heads, headSize: query.shape[2] / heads, mask: mask, bias: bias)
            }
        }
    }
}

/// The kernel ``fusedAttention(qkv:heads:mask:)`` runs for heads of `headSize` on this thread:
/// `bertslim:fused_avx512`, `bertslim:fused_avx2`, `bertslim:fused_portable`, or the oneDNN path.
public func attentionImplementationName(headSize: Int) -> String {
    String(cString: slim_attention_impl_name(Int64(headSize)))
}

/// q, k and v rows of each token `rowStride` floats apart, `heads × headSize` wide each.
private func attention(_ q: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ v: UnsafePointer<Float>, rowStride: Int,
                       batch b: Int, length t: Int, heads: Int, headSize d: Int, mask: Tensor, bias: Tensor?) -> Tensor {
    precondition(mask.shape == [b, t], "fusedAttention: mask \(mask.shape) for (B, T) = (\(b), \(t))")
    precondition(bias == nil || bias!.shape == [heads, t, t], "fusedAttention: bias \(bias!.shape) for (H, T, T) = (\(heads), \(t), \(t))")
    let width = heads * d
    var context = Tensor(uninitializedShape: [b, t, width])
    guard context.count > 0 else { return context }
    let fused = context.withUnsafeMutableBufferPointer { c in
        mask.withUnsafeBufferPointer { m in
            withOptionalBuffer(bias) { p in
                slim_attention_fused(q, k, v, Int64(rowStride), m.baseAddress, p, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d))
            }
        }
    }
    if fused == 0 { return context }
    // Other head sizes: q, k and v copied apart, two oneDNN products around a softmax.
    func apart(_ p: UnsafePointer<Float>) -> Tensor {
        var out = Tensor(uninitializedShape: [b, t, width])
        out.withUnsafeMutableBufferPointer { o in
            for row in 0..<(b * t) { (o.baseAddress! + row * width).update(from: p + row * rowStride, count: width) }
        }
        return out
    }
    let (query, key, value) = (apart(q), apart(k), apart(v))
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
    if let bias { scores = scores + bias.reshaped([1, heads, t, t]) }
    let probabilities = softmax(scores, additiveMask: mask)
    status = context.withUnsafeMutableBufferPointer { c in
        probabilities.withUnsafeBufferPointer { p in
            value.withUnsafeBufferPointer { slim_attention_context(p.baseAddress, $0.baseAddress, c.baseAddress, Int64(b), Int64(heads), Int64(t), Int64(d)) }
        }
    }
    precondition(status == 0, "oneDNN attention context failed with status \(status) for \(query.shape)")
    return context
}

/// `body` with `tensor`'s storage, or with nil.
private func withOptionalBuffer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Attention on int8 projections (SDK 1.0, where P·V ran in bfloat16; now all float; kept for
/// plugins built against it).
@available(*, deprecated, message: "use one Int8Linear for q|k|v and fusedAttention(qkv:heads:mask:)")
public func fusedAttention(_ x: Int8Tensor, query: Int8Linear, key: Int8Linear, value: Int8Linear, heads: Int,
                           mask: Tensor) -> Tensor {
    fusedAttention(qkv: concat([query(x), key(x), value(x)], axis: 2), heads: heads, mask: mask)
}
