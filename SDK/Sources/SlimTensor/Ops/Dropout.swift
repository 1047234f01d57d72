internal import CSlimKernels

/// Inverted dropout: each value is zeroed with probability `rate` and the survivors are
/// scaled by `1 / (1 − rate)`, so the expected value is unchanged and inference needs no
/// rescaling.
///
/// Element i is kept when the (i+1)-th `generator.nextUniform()` is ≥ `rate`; the
/// generator advances by `x.count` draws, exactly as if they were drawn one by one. The
/// mask is not stored: the backward pass recomputes it from the starting state. On a
/// data-parallel rank (the generator's `rows` set, and `x` holding those rows first, as (B, …)
/// or batch-major (B·T, …)) the mask and the advance are those of the whole batch's tensor, of
/// which `x` is the rank's part.
/// - Parameters:
///   - x: any shape.
///   - rate: drop probability in 0...1 (1 drops everything, as PyTorch does).
///   - generator: the random stream; the same state gives the same mask.
/// - Returns: the shape of `x`; `x` itself when `rate` is 0.
public func dropout(_ x: Tensor, rate: Float, generator: inout SeededGenerator) -> Tensor {
    precondition((0...1).contains(rate), "dropout rate \(rate) is not in 0...1")
    if rate == 0 { return x }
    var state = generator.state, draws = x.count
    // The rank's rows lead `x`, as (B, …) or flattened batch-major as (B·T, …).
    if let rows = generator.rows, rows.count > 0, let leading = x.shape.first, leading > 0, leading % rows.count == 0 {
        let perRow = x.count / rows.count
        state &+= UInt64(rows.first * perRow) &* 0x9E37_79B9_7F4A_7C15  // skip the rows before this rank's
        draws = rows.total * perRow
    }
    generator.state &+= UInt64(draws) &* 0x9E37_79B9_7F4A_7C15  // `draws` draws of next()
    let scale: Float = rate == 1 ? 0 : 1 / (1 - rate)
    let apply = { (input: Tensor) -> Tensor in
        var y = Tensor(uninitializedShape: input.shape)
        y.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { v in
                slim_dropout(v.baseAddress, out.baseAddress, Int64(out.count), state, rate, scale)
            }
        }
        return y
    }
    // x: (N): dx = dy ⊙ mask·scale, the same mask from the same state.
    return .record(apply(x), inputs: [x]) { g in [apply(g)] }
}
