/// Knowledge distillation on logits with soft targets, mixed with the hard labels:
///
///     L = α · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − α) · CE(z_s, y)
///
/// where `KL(p ‖ q) = (1/B) Σ_b Σ_c p_bc (log p_bc − log q_bc)` (PyTorch's
/// `KLDivLoss(reduction="batchmean")`) and CE is the mean cross-entropy against the labels.
/// The T² keeps the soft term's gradients the same size as T changes. The term a weight of 0
/// switches off is not computed, so α = 1 needs no labels and α = 0 no teacher.
///
/// The `hinton-kd` loss is this; BERT-PKD adds its patient term to it (SDK 1.2).
///
/// Based on: Hinton, Vinyals & Dean 2015, Distilling the Knowledge in a Neural Network.
/// - Parameters:
///   - student: `(B, C)` with autograd.
///   - teacher: `(B, C)`, treated as a constant.
///   - labels: `(B)`; needed when `alpha < 1`.
///   - component: the loss's name, for messages.
/// - Throws: ``ComponentError`` naming `component` and what is missing or mismatched (a label
///   outside `0..<C` included).
public func knowledgeDistillationLoss(student: Tensor?, teacher: Tensor?, labels: IntTensor?, temperature: Float, alpha: Float,
                                      component: String) throws -> Tensor {
    guard let student, student.rank == 2 else {
        throw ComponentError(component, "needs the student's logits of shape (batch, classes)")
    }
    var total: Tensor?
    if alpha > 0 {
        guard let teacher else { throw ComponentError(component, "needs the teacher's logits") }
        guard teacher.shape == student.shape else {
            throw ComponentError(component, "logit shapes differ: student \(student.shape), teacher \(teacher.shape)")
        }
        let soft = softmax(teacher.detached * (1 / temperature))
        let kl = klDivergence(logInput: logSoftmax(student * (1 / temperature)), target: soft)
        total = kl * (alpha * temperature * temperature)
    }
    if alpha < 1 {
        guard let labels else { throw ComponentError(component, "α < 1 needs labels, and the batch has none") }
        guard labels.shape == [student.shape[0]] else {
            throw ComponentError(component, "\(labels.count) labels for \(student.shape[0]) rows of logits")
        }
        let classes = student.shape[1]
        if let bad = labels.scalars.first(where: { $0 < 0 || Int($0) >= classes }) {
            throw ComponentError(component, "label \(bad) is not in 0..<\(classes)")
        }
        let hard = try crossEntropy(student, labels: labels) * (1 - alpha)
        total = total.map { $0 + hard } ?? hard
    }
    return total ?? Tensor.zeros([])
}
