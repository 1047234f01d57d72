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
        return try knowledgeDistillationLoss(student: student.logits, teacher: teacher?.logits, labels: batch.labels,
                                             temperature: temperature, alpha: alpha, component: FirstPartyComponents.HintonKD.loss)
    }
}
