import BertSlimSDK

/// One example's feature vector, stored sparsely: the non-zero columns and their values.
struct SparseRow: Equatable {
    var columns: [Int32]
    var values: [Float]
}

/// A linear layer on sparse inputs: `y = X Wᵀ + b`.
///
/// Only the weights get gradients (the features are constants):
/// `∂L/∂W[c, j] = Σ_b g[b, c] · X[b, j]`, `∂L/∂b[c] = Σ_b g[b, c]`.
/// - Parameters:
///   - rows: B sparse rows of width V.
///   - weight: `(C, V)`.
///   - bias: `(C)`.
/// - Returns: `(B, C)`.
func sparseLinear(_ rows: [SparseRow], weight: Tensor, bias: Tensor) -> Tensor {
    let (classes, width) = (weight.shape[0], weight.shape[1])
    precondition(bias.shape == [classes], "sparseLinear: bias \(bias.shape) for \(classes) outputs")
    var output = Tensor(uninitializedShape: [rows.count, classes])
    output.withUnsafeMutableBufferPointer { y in
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for (r, row) in rows.enumerated() {
                    for c in 0..<classes {
                        var total = b[c]
                        let base = c * width
                        for (j, v) in zip(row.columns, row.values) { total += v * w[base + Int(j)] }
                        y[r * classes + c] = total
                    }
                }
            }
        }
    }
    // g: (B, C) → dW (C, V) scattered from the non-zeros, db (C) summed over rows.
    return .record(output, inputs: [weight, bias]) { g in
        var dWeight = Tensor.zeros([classes, width])
        var dBias = Tensor.zeros([classes])
        g.withUnsafeBufferPointer { gv in
            dWeight.withUnsafeMutableBufferPointer { dw in
                dBias.withUnsafeMutableBufferPointer { db in
                    for (r, row) in rows.enumerated() {
                        for c in 0..<classes {
                            let gradient = gv[r * classes + c]
                            db[c] += gradient
                            let base = c * width
                            for (j, v) in zip(row.columns, row.values) { dw[base + Int(j)] += gradient * v }
                        }
                    }
                }
            }
        }
        return [dWeight, dBias]
    }
}
