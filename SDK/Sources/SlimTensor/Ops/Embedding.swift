internal import CSlimKernels

/// Looks up one row of `table` per id.
///
/// Gradient: when `table` is a ``Parameter``'s tensor, the rows of the output gradient are
/// added straight into the parameter's gradient (``Parameter/accumulateGradientRows(_:_:)``)
/// and no dense `(V, D)` gradient is built for this op; otherwise (a leaf from
/// `requiringGrad()`, or a table computed by other ops) the gradient is a dense scatter-add.
/// - Parameters:
///   - ids: any shape `(…)`, each in `0..<V`.
///   - table: `(V, D)`.
/// - Returns: `(…, D)`.
public func embedding(_ ids: IntTensor, table: Tensor) -> Tensor {
    precondition(table.rank == 2, "embedding table must be (vocab, dim), got \(table.shape)")
    let (vocab, width) = (table.shape[0], table.shape[1])
    for id in ids.scalars where id < 0 || Int(id) >= vocab {
        preconditionFailure("embedding: id \(id) is out of range for a vocabulary of \(vocab) rows")
    }
    let rows = ids.scalars
    var out = Tensor(uninitializedShape: ids.shape + [width])
    if out.count > 0 {
        out.withUnsafeMutableBufferPointer { y in
            table.withUnsafeBufferPointer { t in
                slim_embedding_gather(t.baseAddress, rows, y.baseAddress, Int64(rows.count), Int64(width))
            }
        }
    }
    // The graph would otherwise hand the parameter a dense (V, D) gradient built here and
    // copied again by accumulateGradient. Accumulating rows directly and returning nil for
    // the table makes backward() skip it; a tied use of the same parameter elsewhere (an
    // output projection) still accumulates densely into the same gradient.
    if let node = table.node, node.isLeaf, let parameter = node.parameter {
        return .record(out, inputs: [table]) { [weak parameter] g in
            parameter?.accumulateGradientRows(rows, g)
            return [nil]
        }
    }
    // ids: (N), g: (N, D) → dtable: (V, D), rows of repeated ids summed.
    return .record(out, inputs: [table]) { g in
        var dtable = Tensor.zeros([vocab, width])
        if g.count > 0 {
            dtable.withUnsafeMutableBufferPointer { d in
                g.withUnsafeBufferPointer { dy in
                    slim_embedding_scatter_add(rows, dy.baseAddress, d.baseAddress, Int64(rows.count), Int64(width))
                }
            }
        }
        return [dtable]
    }
}
