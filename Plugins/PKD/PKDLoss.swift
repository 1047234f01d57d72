import BertSlimSDK

/// Patient knowledge distillation: Hinton KD on the logits plus a loss that makes the student's
/// intermediate layers follow the teacher's, on their normalised [CLS] states:
///
///     L = (1 − α)·CE(z_s, y) + α·T²·KL(softmax(z_t/T) ‖ softmax(z_s/T)) + β·L_PT
///     L_PT = Σᵢ ‖h̃ₛ,ᵢ − h̃ₜ,I(i)‖²,  h̃ = h / ‖h‖₂
///
/// where hₛ,ᵢ is the [CLS] output of student layer i (every layer but the last) and I(i) the
/// teacher layer it learns from (``PatientLayerMap``: `skip`, `last` or an explicit
/// `layer_map`). With `reduction: mean` (the default) L_PT is the mean over the batch, the
/// pairs and the hidden units, as in the authors' code, which is what the paper's β = 100 was
/// chosen with; `sum` takes the sum over pairs and hidden units, averaged over the batch. The
/// teacher's states are constants. T, α and β are numbers or ``Schedule``s.
///
/// Needs [CLS] hidden states from both models (``OutputRequest/clsHiddenStates``; a
/// ``HiddenStatesProvider`` offers them), of the same width.
///
/// Based on: Sun, Cheng, Gan & Liu 2019, Patient Knowledge Distillation for BERT Model
/// Compression (BERT-PKD).
struct PKDLoss: Loss {
    typealias Settings = PKDSettings
    let settings: Settings

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    /// [CLS] states of both models, unless β is 0 throughout.
    var request: OutputRequest { settings.beta == .constant(0) ? [] : [.clsHiddenStates] }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        try callAsFunction(student: student, teacher: teacher, batch: batch, progress: 0)
    }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch, progress: Double) throws -> Tensor {
        let name = FirstPartyComponents.PKD.loss
        let kd = try knowledgeDistillationLoss(student: student.logits, teacher: teacher?.logits, labels: batch.labels,
                                               temperature: Float(settings.temperature.value(at: progress)),
                                               alpha: Float(settings.alpha.value(at: progress)), component: name)
        let beta = Float(settings.beta.value(at: progress))
        guard beta > 0 else { return kd }
        let mine = student.classTokenStates, theirs = teacher?.classTokenStates ?? []
        guard mine.count >= 2 else { throw ComponentError(name, "needs the student's [CLS] hidden states (a HiddenStatesProvider)") }
        guard theirs.count >= 2 else { throw ComponentError(name, "needs the teacher's [CLS] hidden states (a HiddenStatesProvider)") }
        let pairs = try PatientLayerMap.pairs(settings.layerMap, strategy: settings.strategy,
                                              teacherLayers: theirs.count - 1, studentLayers: mine.count - 1)
        // hiddenStates-style lists start with the embeddings: layer N's output is entry N + 1.
        let term = try patientLoss(student: pairs.map { mine[$0.student + 1] }, teacher: pairs.map { theirs[$0.teacher + 1] },
                                   reduction: settings.reduction)
        return term.map { kd + $0 * beta } ?? kd
    }
}

/// L_PT over matched pairs of [CLS] states: Σ over pairs of Σ_b ‖h̃ₛ − h̃ₜ‖², divided by
/// B·pairs·H (`mean`) or by B (`sum`). Nil when there are no pairs (a 1-layer student).
/// - Parameters:
///   - student: per pair `(B, H)` with autograd.
///   - teacher: per pair `(B, H)`, treated as constants.
/// - Throws: ``ComponentError`` when shapes differ.
func patientLoss(student: [Tensor], teacher: [Tensor], reduction: PKDSettings.Reduction) throws -> Tensor? {
    var total: Tensor?
    for (s, t) in zip(student, teacher) {
        guard s.rank == 2, s.shape == t.shape else {
            throw ComponentError(FirstPartyComponents.PKD.loss,
                                 "compares [CLS] states of one shape; the student's are \(s.shape), the teacher's \(t.shape)")
        }
        let gap = l2Normalize(s) - l2Normalize(t.detached)
        let squares = sum(gap * gap)
        total = total.map { $0 + squares } ?? squares
    }
    guard let total, let first = student.first else { return nil }
    let (b, h) = (first.shape[0], first.shape[1])
    let divisor = reduction == .mean ? b * student.count * h : b
    return total * (1 / Float(max(divisor, 1)))
}
