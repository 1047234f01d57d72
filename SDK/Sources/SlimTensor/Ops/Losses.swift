internal import Foundation

// Scalar losses. Each states its formula; sums run in Double so that the mean over a large
// batch does not drift with the order of the values.

/// Cross-entropy between logits and class labels, averaged over the labelled rows:
/// `−(1/|R|) Σ_{r ∈ R} log softmax(z_r)[y_r]`, R the rows whose label is not `ignoreIndex`
/// (as `torch.nn.functional.cross_entropy` with `reduction="mean"`).
///
/// When every row is ignored the loss is 0 with a zero gradient (PyTorch gives NaN, which
/// would poison the weights on the next step, e.g. a masked-LM batch with nothing masked).
/// - Parameters:
///   - logits: `(…, C)`, classes on the last axis.
///   - labels: `(…)`, each in `0..<C` or equal to `ignoreIndex`.
///   - ignoreIndex: the label of rows that do not count.
/// - Returns: a scalar.
/// - Throws: ``LossError/labelOutOfRange(label:row:classes:)`` for a label outside `0..<C`
///   (labels come from data, so this is an error, not a trap; PyTorch raises too).
public func crossEntropy(_ logits: Tensor, labels: IntTensor, ignoreIndex: Int32 = -100) throws -> Tensor {
    precondition(logits.rank >= 1 && Array(logits.shape.dropLast()) == labels.shape,
                 "crossEntropy: labels \(labels.shape) do not match logits \(logits.shape) (want logits (…, C), labels (…))")
    let classes = logits.shape[logits.rank - 1]
    for (row, label) in labels.scalars.enumerated() where label != ignoreIndex && (label < 0 || Int(label) >= classes) {
        throw LossError.labelOutOfRange(label: label, row: row, classes: classes)
    }
    let labelled = labels.scalars.enumerated().filter { $0.element != ignoreIndex }.map { ($0.offset, Int($0.element)) }
    let logp = rowSoftmax(logits, mask: nil, rowsPerMask: 1, logSpace: true)
    let total = logp.withUnsafeBufferPointer { p in labelled.reduce(0.0) { $0 - Double(p[$1.0 * classes + $1.1]) } }
    let loss = labelled.isEmpty ? 0 : Float(total / Double(labelled.count))
    // logits: (rows, C): d/dz = (softmax(z) − onehot(y)) / |R| on labelled rows, 0 elsewhere:
    // the log-softmax backward of an upstream gradient −1/|R| at each label.
    return .record(Tensor(loss), inputs: [logits]) { g in
        var dy = Tensor.zeros(logp.shape)
        if !labelled.isEmpty {
            let weight = -g.item / Float(labelled.count)
            dy.withUnsafeMutableBufferPointer { d in for (row, label) in labelled { d[row * classes + label] = weight } }
        }
        return [rowSoftmaxBackward(logp, dy, logSpace: true)]
    }
}

/// SDK 1.0's cross-entropy, which stops the process on a label out of range. Kept so that
/// plugins built against 1.0 still load; call ``crossEntropy(_:labels:ignoreIndex:)``, which
/// throws instead.
@available(*, deprecated, message: "use crossEntropy(_:labels:ignoreIndex:), which throws on a label out of range")
public func crossEntropy(logits: Tensor, labels: IntTensor, ignoreIndex: Int32 = -100) -> Tensor {
    do {
        return try crossEntropy(logits, labels: labels, ignoreIndex: ignoreIndex)
    } catch {
        preconditionFailure("\(error)")
    }
}

/// Cross-entropy against a target distribution, averaged over rows:
/// `−(1/N) Σ_r Σ_c p[r, c] · log softmax(z_r)[c]` (Hinton et al. 2015's soft-target term;
/// scale the logits by 1/T beforehand for a temperature). Both inputs get gradients.
/// - Parameters:
///   - logits: `(…, C)`.
///   - targets: the shape of `logits`; rows are usually probabilities.
/// - Returns: a scalar.
public func softCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
    precondition(logits.rank >= 1 && logits.shape == targets.shape,
                 "softCrossEntropy: targets \(targets.shape) do not match logits \(logits.shape)")
    let rows = logits.count / max(logits.shape[logits.rank - 1], 1)
    let logq = rowSoftmax(logits, mask: nil, rowsPerMask: 1, logSpace: true)
    let p = targets.detached
    let total = p.withUnsafeBufferPointer { pv in logq.withUnsafeBufferPointer { qv in
        (0..<pv.count).reduce(0.0) { $0 - Double(pv[$1]) * Double(qv[$1]) }
    } }
    let n = Float(max(rows, 1))
    let (needLogits, needTargets) = (logits.requiresGrad, targets.requiresGrad)
    // d/dz = (softmax(z)·Σp − p) / N (the log-softmax backward of −p/N); d/dp = −log q / N.
    return .record(Tensor(Float(total) / n), inputs: [logits, targets]) { g in
        let w = g.item / n
        return [needLogits ? rowSoftmaxBackward(logq, scale(p, by: -w), logSpace: true) : nil,
                needTargets ? scale(logq, by: -w) : nil]
    }
}

/// Kullback–Leibler divergence as `torch.nn.KLDivLoss(reduction: "batchmean")`:
/// `(1/N) Σ p · (log p − q)` with `q = logInput` (log-probabilities), `p = target`
/// (probabilities), N the size of the first axis, and `0 · log 0 = 0`.
///
/// The target's gradient is `(log p + 1 − q)/N` where p > 0 and `−q/N` where p = 0 (the
/// `p log p` term is taken as flat there; PyTorch gives NaN).
/// - Parameters:
///   - logInput: any shape, first axis the batch.
///   - target: the shape of `logInput`.
/// - Returns: a scalar.
public func klDivergence(logInput: Tensor, target: Tensor) -> Tensor {
    precondition(logInput.shape == target.shape,
                 "klDivergence: target \(target.shape) does not match input \(logInput.shape)")
    let n = Float(max(logInput.shape.first ?? 1, 1))
    let (q, p) = (logInput.detached, target.detached)
    let total = q.withUnsafeBufferPointer { qv in p.withUnsafeBufferPointer { pv in
        (0..<pv.count).reduce(0.0) { sum, i in
            let t = Double(pv[i])
            return t == 0 ? sum : sum + t * (Foundation.log(t) - Double(qv[i]))
        }
    } }
    let (needInput, needTarget) = (logInput.requiresGrad, target.requiresGrad)
    return .record(Tensor(Float(total) / n), inputs: [logInput, target]) { g in
        let w = g.item / n
        return [needInput ? scale(p, by: -w) : nil,
                needTarget ? broadcastApply(p, q) { t, lq in w * ((t > 0 ? Foundation.log(t) + 1 : 0) - lq) } : nil]
    }
}

/// Mean squared error `(1/n) Σ (a − b)²` over all n values.
/// - Parameters:
///   - a: any shape.
///   - b: the shape of `a`.
/// - Returns: a scalar.
public func mseLoss(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "mseLoss: shapes \(a.shape) and \(b.shape) differ")
    let diff = broadcastApply(a.detached, b.detached, -)
    let total = diff.withUnsafeBufferPointer { d in d.reduce(0.0) { $0 + Double($1) * Double($1) } }
    let n = Float(max(a.count, 1))
    let (needA, needB) = (a.requiresGrad, b.requiresGrad)
    // d/da = 2(a − b)/n, d/db = −d/da.
    return .record(Tensor(Float(total) / n), inputs: [a, b]) { g in
        let da = scale(diff, by: 2 * g.item / n)
        return [needA ? da : nil, needB ? scale(da, by: -1) : nil]
    }
}
