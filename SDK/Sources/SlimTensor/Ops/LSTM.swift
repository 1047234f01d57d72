internal import CSlimKernels

/// The results of ``lstm(_:_:reverse:lengths:)``, laid out as one layer of
/// `torch.nn.LSTM(batch_first=True)` returns `output, (h_n, c_n)`.
public struct LSTMOutput {
    /// `(B, T, D·H)`: the hidden state after every step, the reverse direction's in the last H
    /// columns; zero at padded steps.
    public var output: Tensor
    /// `(D, B, H)`: each direction's hidden state after its last step: the forward direction's
    /// at the sequence's last token, the reverse direction's at its first.
    public var hidden: Tensor
    /// `(D, B, H)`: the cell states at the same points.
    public var cell: Tensor
}

/// One LSTM layer over a batch of padded sequences, one direction or both (PyTorch's
/// formulation of Hochreiter & Schmidhuber 1997, gates in the order i, f, g, o):
///
///     i = σ(W_ii x_t + b_ii + W_hi h_{t−1} + b_hi)      c_t = f ⊙ c_{t−1} + i ⊙ g
///     f = σ(W_if x_t + b_if + W_hf h_{t−1} + b_hf)      h_t = o ⊙ tanh(c_t)
///     g = tanh(W_ig x_t + b_ig + W_hg h_{t−1} + b_hg)
///     o = σ(W_io x_t + b_io + W_ho h_{t−1} + b_ho)
///
/// from h₀ = c₀ = 0. The reverse direction runs the same recurrence from the last step to the
/// first with its own weights. Steps past a sequence's length neither change the state nor
/// produce output (zeros), so each direction starts and ends at the sequence's own tokens:
/// the results equal `torch.nn.LSTM` on a `pack_padded_sequence` of the batch, and a length of 0
/// gives zero outputs and states. Differentiable in `x` and every weight.
///
/// The input projections of all steps and directions are one GEMM; each step runs one GEMM per
/// direction for the recurrent term and one fused loop for the gates and the state update.
/// - Parameters:
///   - x: `(B, T, I)`, batch first.
///   - weights: the forward direction's weights (H hidden units).
///   - reverse: the backward direction's, for a bidirectional layer (`_reverse` in PyTorch).
///   - lengths: each sequence's number of real steps (`0...T`), or nil when all have T.
/// - Returns: the output sequence `(B, T, D·H)` and the final states `(D, B, H)`, D = 2 with
///   `reverse`, else 1.
public func lstm(_ x: Tensor, _ weights: LSTMWeights, reverse: LSTMWeights? = nil, lengths: [Int]? = nil) -> LSTMOutput {
    precondition(x.rank == 3, "lstm: input must be (batch, steps, features), got \(x.shape)")
    let (batch, steps) = (x.shape[0], x.shape[1])
    guard let lengths else { return lstmLayer(x, [weights] + (reverse.map { [$0] } ?? []), mask: nil) }
    precondition(lengths.count == batch && lengths.allSatisfy { (0...steps).contains($0) },
                 "lstm: lengths \(lengths) for a batch of \(batch) sequences of \(steps) steps")
    let mask = (0..<(batch * steps)).map { UInt8(($0 % max(steps, 1)) < lengths[$0 / max(steps, 1)] ? 1 : 0) }
    return lstmLayer(x, [weights] + (reverse.map { [$0] } ?? []), mask: mask)
}

/// ``lstm(_:_:reverse:lengths:)`` with a `(B, T)` mask instead of lengths: steps whose mask is 0
/// are skipped (the state passes through them, their output is zero), wherever they are.
/// - Parameters:
///   - x: `(B, T, I)`.
///   - weights: the forward direction's weights.
///   - reverse: the backward direction's, or nil.
///   - mask: `(B, T)`, nonzero at real tokens (an attention mask).
/// - Returns: as ``lstm(_:_:reverse:lengths:)``.
public func lstm(_ x: Tensor, _ weights: LSTMWeights, reverse: LSTMWeights? = nil, mask: IntTensor) -> LSTMOutput {
    precondition(x.rank == 3 && mask.shape == [x.shape[0], x.shape[1]],
                 "lstm: mask \(mask.shape) for input \(x.shape); it must be (batch, steps)")
    return lstmLayer(x, [weights] + (reverse.map { [$0] } ?? []), mask: mask.scalars.map { $0 != 0 ? 1 : 0 })
}

private func lstmLayer(_ x: Tensor, _ directions: [LSTMWeights], mask: [UInt8]?) -> LSTMOutput {
    let (batch, steps, features) = (x.shape[0], x.shape[1], x.shape[2])
    let hidden = directions[0].hiddenSize, gates = 4 * hidden, d = directions.count
    for w in directions {
        precondition(w.hiddenSize == hidden && w.inputSize == features,
                     "lstm: weights \(w.weightIH.shape), \(w.weightHH.shape) for input \(x.shape) and \(hidden) hidden units")
    }
    let rows = batch * steps
    if rows == 0 {  // nothing to run: the outputs do not depend on the weights
        return LSTMOutput(output: .zeros([batch, steps, d * hidden]), hidden: .zeros([d, batch, hidden]),
                          cell: .zeros([d, batch, hidden]))
    }
    var inputs = [x], weightHHIndex: [Int] = []
    for w in directions {
        weightHHIndex.append(inputs.count + 1)
        inputs += w.tensors
    }
    let training = GradMode.isEnabled && inputs.contains(where: \.requiresGrad)
    // x·W_ihᵀ + b_ih + b_hh for every step. Without gradients: one GEMM per direction on weights
    // packed once and cached. With them: one GEMM for all directions, (B·T, I) · (I, D·4H) →
    // (B, T, D·4H), each row's directions side by side — the layout of dxw, so that dx and dW_ih
    // are one GEMM each as well.
    let projected = training ? nil : packedProjections(x, directions)
    let weightIH = projected == nil ? stacked(directions.map(\.weightIH)) : nil
    let xw = projected ?? [matmulValue(x, weightIH!, m: rows, n: d * gates, k: features, transposeA: false, transposeB: true,
                                       alpha: 1, outShape: [batch, steps, d * gates], bias: stackedBias(directions))]
    var output = Tensor(uninitializedShape: [batch, steps, d * hidden])
    var finalHidden = Tensor(uninitializedShape: [d, batch, hidden]), finalCell = Tensor(uninitializedShape: [d, batch, hidden])
    // Kept for the backward pass: the gates after their activations, the state entering each step.
    var gatesKept: Tensor? = training ? Tensor(uninitializedShape: [batch, steps, d * gates]) : nil
    var hiddenKept: Tensor? = training ? Tensor(uninitializedShape: [batch, steps, d * hidden]) : nil
    var cellKept: Tensor? = training ? Tensor(uninitializedShape: [batch, steps, d * hidden]) : nil
    let packedHH = directions.map { PackedWeights.of($0.weightHH) }
    let status = withLayer(directions, packed: packedHH, batch: batch, steps: steps, mask: mask) { layer in
        xw[0].withUnsafeBufferPointer { forward in withOptionalPointer(xw.count > 1 ? xw[1] : nil) { separate in
            let reverse = d == 1 ? nil : separate ?? UnsafePointer(forward.baseAddress! + gates)
            return output.withUnsafeMutableBufferPointer { y in
                finalHidden.withUnsafeMutableBufferPointer { hn in
                    finalCell.withUnsafeMutableBufferPointer { cn in
                        withMutablePointer(&gatesKept) { g in withMutablePointer(&hiddenKept) { hp in withMutablePointer(&cellKept) { cp in
                            slim_lstm_forward(layer, forward.baseAddress, reverse, Int64(xw.count > 1 ? gates : d * gates),
                                              y.baseAddress, hn.baseAddress, cn.baseAddress, g, hp, cp)
                        } } }
                    }
                }
            }
        } }
    }
    precondition(status == 0, "lstm: oneDNN failed with status \(status) for input \(x.shape)")
    guard training, let weightIH else { return LSTMOutput(output: output, hidden: finalHidden, cell: finalCell) }

    let (xd, needs) = (x.detached, inputs.map(\.requiresGrad))
    let weights = directions.map { LSTMWeights(weightIH: $0.weightIH.detached, weightHH: $0.weightHH.detached) }
    let (savedGates, savedHidden, savedCell) = (gatesKept, hiddenKept, cellKept)
    let results = Tensor.record(outputs: [output, finalHidden, finalCell], inputs: inputs) { grads in
        // dy: (B, T, D·H), dh_n and dc_n: (D, B, H) → dxw: (B, T, D·4H), the gradients of every
        // step's gate pre-activations, and dW_hh: (4H, H) per direction, from the recurrence.
        var dxw = Tensor(uninitializedShape: [batch, steps, d * gates])
        func weightGradient(_ k: Int) -> Tensor? {
            k < d && needs[weightHHIndex[k]] ? Tensor(uninitializedShape: [gates, hidden]) : nil
        }
        var (dWeightHH, dWeightHHReverse) = (weightGradient(0), weightGradient(1))
        let status = withLayer(weights, packed: [], batch: batch, steps: steps, mask: mask) { layer in
            withOptionalPointer(grads[0]) { dy in withOptionalPointer(grads[1]) { dhn in withOptionalPointer(grads[2]) { dcn in
                withOptionalPointer(savedGates) { g in withOptionalPointer(savedHidden) { hp in withOptionalPointer(savedCell) { cp in
                    dxw.withUnsafeMutableBufferPointer { dxwp in
                        withMutablePointer(&dWeightHH) { dw0 in withMutablePointer(&dWeightHHReverse) { dw1 in
                            slim_lstm_backward(layer, dy, dhn, dcn, g, hp, cp, dxwp.baseAddress, dw0, dw1)
                        } }
                    }
                } } }
            } } }
        }
        precondition(status == 0, "lstm backward: oneDNN failed with status \(status)")
        // The rest are GEMMs over all steps: dx = dxw · W_ih, dW_ih = dxwᵀ · x, db = Σ_rows dxw.
        let dx = needs[0] ? matmulValue(dxw, weightIH, m: rows, n: features, k: d * gates, transposeA: false,
                                        transposeB: false, alpha: 1, outShape: xd.shape) : nil
        let needIH = directions.indices.contains { needs[weightHHIndex[$0] - 1] }
        let dWeightIH = needIH ? matmulValue(dxw, xd, m: d * gates, n: features, k: rows, transposeA: true,
                                             transposeB: false, alpha: 1, outShape: [d * gates, features]) : nil
        let dBias = dxw.sum(toShape: [d * gates])
        var grads: [Tensor?] = [dx]
        for (k, w) in directions.enumerated() {
            let part = k * gates..<(k + 1) * gates
            grads.append(d == 1 ? dWeightIH : dWeightIH?.slice(axis: 0, range: part))
            grads.append(k == 0 ? dWeightHH : dWeightHHReverse)
            let db = d == 1 ? dBias : dBias.slice(axis: 0, range: part)
            if w.biasIH != nil { grads.append(db) }
            if w.biasHH != nil { grads.append(db) }
        }
        return zip(grads, needs).map { $1 ? $0 : nil }
    }
    return LSTMOutput(output: results[0], hidden: results[1], cell: results[2])
}

/// Without gradients: each direction's x·W_ihᵀ + (b_ih + b_hh), `(B, T, 4H)`, through its cached
/// packed weights; nil when oneDNN cannot pack them.
private func packedProjections(_ x: Tensor, _ directions: [LSTMWeights]) -> [Tensor]? {
    var projections: [Tensor] = []
    for w in directions {
        guard let p = packedLinear(x, weight: w.weightIH, bias: w.combinedBias, gelu: false) else { return nil }
        projections.append(p)
    }
    return projections
}

/// The directions' weights stacked along the first axis (no copy for one direction).
private func stacked(_ weights: [Tensor]) -> Tensor {
    weights.count == 1 ? weights[0].detached : concat(weights.map(\.detached), axis: 0)
}

/// Every direction's b_ih + b_hh, stacked; nil when no direction has a bias.
private func stackedBias(_ directions: [LSTMWeights]) -> Tensor? {
    let biases = directions.map(\.combinedBias)
    if biases.allSatisfy({ $0 == nil }) { return nil }
    return stacked(biases.map { $0 ?? .zeros([4 * directions[0].hiddenSize]) })
}

/// Runs `body` with the C description of the layer (pointers valid only inside).
private func withLayer(_ directions: [LSTMWeights], packed: [PackedWeights?], batch: Int, steps: Int, mask: [UInt8]?,
                       _ body: (UnsafePointer<slim_lstm_layer>) -> Int32) -> Int32 {
    let reverse = directions.count > 1 ? directions[1].weightHH : nil
    return withExtendedLifetime(packed) {
        directions[0].weightHH.withUnsafeBufferPointer { forward in
            withOptionalPointer(reverse) { backward in
                func run(_ maskPointer: UnsafePointer<UInt8>?) -> Int32 {
                    var layer = slim_lstm_layer(directions: Int64(directions.count), batch: Int64(batch), steps: Int64(steps),
                                                hidden: Int64(directions[0].hiddenSize), mask: maskPointer,
                                                weight_hh: forward.baseAddress, weight_hh_reverse: backward,
                                                packed_hh: packed.first??.handle, packed_hh_reverse: packed.count > 1 ? packed[1]?.handle : nil)
                    return body(&layer)
                }
                guard let mask else { return run(nil) }
                return mask.withUnsafeBufferPointer { run($0.baseAddress) }
            }
        }
    }
}

/// Runs `body` with the address of `t`'s values, or nil when there is no tensor.
private func withMutablePointer<R>(_ t: inout Tensor?, _ body: (UnsafeMutablePointer<Float>?) -> R) -> R {
    guard t != nil else { return body(nil) }
    return t!.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
