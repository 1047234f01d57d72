import BertSlimSDK

/// What the head-importance gradient is taken of.
enum ImportanceLoss: String, Decodable, CaseIterable {
    /// Cross-entropy of the model's logits against the batch's labels (the task loss).
    case crossEntropy = "cross-entropy"
    /// Hinton et al. 2015's soft-target loss against the stage's teacher:
    /// `T² · CE(softmax(z_t / T), log softmax(z_s / T))`, averaged over the batch.
    case distillation
}

/// Head importance, Michel et al. 2019 (Are Sixteen Heads Really Better than One?), eq. 2:
///
///     I_h = E_x | ∂L(x) / ∂ξ_h |
///
/// where ξ_h gates head h's attention probabilities (all ones, so the model is unchanged).
/// As in the authors' code (transformers' bertology example) the expectation runs over
/// batches: each batch's mean loss is differentiated once and the absolute gradients are
/// averaged over the batches. Then, optionally, each layer's scores are divided by their L2
/// norm (`I_l / ‖I_l‖₂`) and all scores are min-max scaled to [0, 1] together.
struct HeadImportance {
    var loss: ImportanceLoss
    var temperature: Float
    var normalizeByLayer: Bool
    var normalizeGlobally: Bool
    var teacher: (any Teacher)?

    /// Scores of every remaining head, per layer in ``HeadPrunable/remainingHeads`` order.
    /// - Throws: ``ComponentError`` when the batches lack what the loss needs, or what the
    ///   model's forward pass throws.
    func scores(of model: any HeadPrunable, batches: [Batch]) throws -> [[Double]] {
        guard !batches.isEmpty else { throw ComponentError("sixteen-heads", "needs at least one batch to score heads (calibration_batches is 0)") }
        let layout = model.remainingHeads
        var totals = layout.map { [Double](repeating: 0, count: $0.count) }
        // Only the gates need gradients: freezing the weights keeps the backward pass to the
        // activations and leaves no stale gradient in the model.
        let parameters = model.namedParameters.map(\.parameter)
        let trainable = parameters.map(\.requiresGrad)
        for parameter in parameters { parameter.requiresGrad = false }
        defer { for (parameter, flag) in zip(parameters, trainable) { parameter.requiresGrad = flag } }
        for batch in batches {
            let gates = layout.map { Parameter(.ones([$0.count])) }
            let output = try model.forward(batch, request: [], headGates: gates.map(\.tensor), training: false)
            try objective(output, batch).backward()
            for (l, gate) in gates.enumerated() {
                guard let gradient = gate.grad?.scalars else { continue }
                for (h, g) in gradient.enumerated() { totals[l][h] += Double(abs(g)) }
            }
        }
        var scores = totals.map { $0.map { $0 / Double(batches.count) } }
        if normalizeByLayer {
            scores = scores.map { layer in
                let norm = layer.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return layer.map { $0 / (norm + 1e-20) }
            }
        }
        if normalizeGlobally, let low = scores.joined().min(), let high = scores.joined().max(), high > low {
            scores = scores.map { $0.map { ($0 - low) / (high - low) } }
        }
        return scores
    }

    /// The loss whose gradient scores the heads.
    private func objective(_ output: ModelOutput, _ batch: Batch) throws -> Tensor {
        guard let logits = output.logits, logits.rank == 2 else {
            throw ComponentError("sixteen-heads", "needs a model with a classification head (no logits were returned)")
        }
        switch loss {
        case .crossEntropy:
            guard let labels = batch.labels else {
                throw ComponentError("sixteen-heads", "loss cross-entropy needs labelled batches (or use loss: distillation)")
            }
            return try crossEntropy(logits, labels: labels)
        case .distillation:
            guard let teacher else {
                throw ComponentError("sixteen-heads", "loss distillation needs the stage's teacher, and there is none")
            }
            guard let target = try teacher.outputs(for: batch, request: []).logits, target.shape == logits.shape else {
                throw ComponentError("sixteen-heads", "the teacher's logits do not match the model's \(logits.shape)")
            }
            let t = temperature
            let soft = withoutGradient { softmax(target * (1 / t)) }
            return softCrossEntropy(logits: logits * (1 / t), targets: soft) * (t * t)
        }
    }
}
