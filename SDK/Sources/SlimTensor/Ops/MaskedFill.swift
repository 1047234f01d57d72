/// Replaces the values of `x` where `mask` is nonzero by `value`.
///
/// - Parameters:
///   - x: any shape.
///   - mask: broadcastable to the shape of `x` (e.g. `(B, 1, 1, T)` for `(B, H, T, T)`);
///     nonzero means fill. It receives no gradient.
///   - value: the fill value (often `-.infinity` or a large negative number).
/// - Returns: the shape of `x`; the gradient is zero at filled positions.
public func maskedFill(_ x: Tensor, mask: Tensor, value: Float) -> Tensor {
    precondition(mask.rank <= x.rank && Broadcast.shape(x.shape, mask.shape) == x.shape,
                 "maskedFill: mask \(mask.shape) does not broadcast to \(x.shape)")
    let m = mask.detached
    let y = broadcastApply(x, m) { v, keep in keep != 0 ? value : v }
    return .record(y, inputs: [x]) { g in [broadcastApply(g, m) { d, keep in keep != 0 ? 0 : d }] }
}
