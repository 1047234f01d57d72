import BertSlimSDK

/// Knowledge distillation with soft targets, mixed with the hard labels:
///
///     L = α · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T)) + (1 − α) · CE(z_s, y)
///
/// where `KL(p ‖ q) = (1/B) Σ_b Σ_c p_bc (log p_bc − log q_bc)` (PyTorch's
/// `KLDivLoss(reduction="batchmean")`), z_s and z_t are the student's and teacher's logits,
/// and CE is the mean cross-entropy against the labels. The T² keeps the soft term's
/// gradients the same size as T changes (they shrink as 1/T² otherwise). The soft term equals
/// the soft cross-entropy `−Σ p log q` minus the teacher's entropy, a constant for the student,
/// so both give the same gradients. With α = 1 no labels are needed.
///
/// T and α are numbers or ``Schedule``s over the stage's progress (e.g. a temperature
/// annealed from 4 to 1). For the MSE-on-logits variant (Tang et al. 2019) use the
/// `mse-logits` loss of the BasicLosses plugin, alone or beside `cross-entropy`.
///
/// Based on: Hinton, Vinyals & Dean 2015, Distilling the Knowledge in a Neural Network.
struct HintonKDLoss: Loss {
    struct Settings: ComponentSettings {
        var temperature = Schedule.constant(2)
        var alpha = Schedule.constant(0.5)
        static var keys: [SettingKey<Settings>] { [
            SettingKey(FirstPartyComponents.HintonKD.temperatureKey, \.temperature, "softmax temperature T (> 0): a number or a schedule over the stage",
                       valid: { $0.range.lowerBound > 0 ? nil : "\($0) must stay above 0" }),
            SettingKey(FirstPartyComponents.HintonKD.alphaKey, \.alpha, "weight α of the soft-target term (0...1); 1 − α goes to cross-entropy on the labels",
                       valid: { (0...1).contains($0.range.lowerBound) && (0...1).contains($0.range.upperBound) ? nil : "\($0) is not in 0...1" }),
        ] }
    }

    let settings: Settings

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        try callAsFunction(student: student, teacher: teacher, batch: batch, progress: 0)
    }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch, progress: Double) throws -> Tensor {
        let temperature = Float(settings.temperature.value(at: progress))
        let alpha = Float(settings.alpha.value(at: progress))
        return try hintonLoss(student: student.logits, teacher: teacher?.logits, labels: batch.labels,
                              temperature: temperature, alpha: alpha)
    }
}

/// The Hinton KD objective on logits (see ``HintonKDLoss``).
/// - Parameters:
///   - student: `(B, C)` with autograd.
///   - teacher: `(B, C)`, treated as a constant.
///   - labels: `(B)`; needed when `alpha < 1`.
/// - Throws: `ComponentError` naming what is missing or mismatched.
func hintonLoss(student: Tensor?, teacher: Tensor?, labels: IntTensor?, temperature: Float, alpha: Float) throws -> Tensor {
    guard let student, student.rank == 2 else {
        throw ComponentError("hinton-kd", "needs the student's logits of shape (batch, classes)")
    }
    var total: Tensor?
    if alpha > 0 {
        guard let teacher else { throw ComponentError("hinton-kd", "needs the teacher's logits") }
        guard teacher.shape == student.shape else {
            throw ComponentError("hinton-kd", "logit shapes differ: student \(student.shape), teacher \(teacher.shape)")
        }
        let soft = softmax(teacher.detached * (1 / temperature))
        let kl = klDivergence(logInput: logSoftmax(student * (1 / temperature)), target: soft)
        total = kl * (alpha * temperature * temperature)
    }
    if alpha < 1 {
        guard let labels else { throw ComponentError("hinton-kd", "α < 1 needs labels, and the batch has none") }
        guard labels.shape == [student.shape[0]] else {
            throw ComponentError("hinton-kd", "\(labels.count) labels for \(student.shape[0]) rows of logits")
        }
        let classes = student.shape[1]
        if let bad = labels.scalars.first(where: { $0 < 0 || Int($0) >= classes }) {
            throw ComponentError("hinton-kd", "label \(bad) is not in 0..<\(classes)")
        }
        let hard = try crossEntropy(student, labels: labels) * (1 - alpha)
        total = total.map { $0 + hard } ?? hard
    }
    return total!
}
