internal import CSlimKernels

/// Rescales gradients so that their global L2 norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_`.
///
/// The norm is taken over every gradient at once, as if they were one vector (sums of
/// squares accumulated in Double). When it exceeds `maxNorm`, every gradient is multiplied
/// by `maxNorm / (norm + 1e-6)`; otherwise nothing changes. Parameters without a gradient
/// are skipped. As in PyTorch, a non-finite norm is not an error: the gradients become
/// NaN or zero and the returned norm tells the caller to skip the step.
/// - Parameters:
///   - parameters: whose gradients to clip (typically ``Optimizer/parameters``).
///   - maxNorm: the largest norm allowed.
/// - Returns: the global norm **before** clipping (what training logs report).
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
    // A parameter listed twice (tied weights) counts once: PyTorch users pass
    // model.parameters(), which lists a shared tensor once.
    var seen = Set<ObjectIdentifier>()
    let parameters = parameters.filter { seen.insert(ObjectIdentifier($0)).inserted }
    var sumOfSquares = 0.0
    for parameter in parameters {
        guard let grad = parameter.grad else { continue }
        sumOfSquares += grad.withUnsafeBufferPointer { slim_sum_squares($0.baseAddress, Int64($0.count)) }
    }
    let norm = Float(sumOfSquares.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    // PyTorch clamps the coefficient at 1 and multiplies; skipping the multiply by 1 is the
    // same result. A NaN coefficient (NaN norm) propagates, as torch.clamp lets it through.
    guard coefficient < 1 || coefficient.isNaN else { return norm }
    for parameter in parameters {
        parameter.grad?.withUnsafeMutableBufferPointer { g in
            slim_scale(g.baseAddress, coefficient, g.baseAddress, Int64(g.count))
        }
    }
    return norm
}
