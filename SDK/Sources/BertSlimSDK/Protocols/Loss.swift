/// A training objective: compares the student's output with the teacher's and/or the labels.
///
/// Hinton KD, MSE on logits, cross-entropy, PKD and TinyBERT's losses are Losses. A
/// distillation stage sums several, each with a weight that may follow a schedule; it asks
/// the models for the internals every loss lists in ``request``.
public protocol Loss: Component {
    /// Internals of the student and teacher outputs this loss reads (hidden states, attention).
    var request: OutputRequest { get }
    /// Whether the loss reads the teacher's output (false for a loss on labels alone).
    var needsTeacher: Bool { get }

    /// The loss for one batch: a scalar that records gradients into the student.
    /// - Parameters:
    ///   - student: the student's output (with autograd).
    ///   - teacher: the teacher's output (no gradients), nil when the stage has no teacher.
    ///   - batch: the batch, for labels and the attention mask.
    /// - Throws: ``ComponentError`` when an input it needs is missing.
    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor

    /// The loss at `progress` through the stage (0 at its first step, 1 at its end), for
    /// losses whose own settings follow a ``Schedule`` (Hinton KD's temperature and α).
    /// The host calls this one; the default (which older plugins get) ignores `progress`.
    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch, progress: Double) throws -> Tensor

    /// Trainable parameters the loss owns, by name (SDK 1.3): TinyBERT's projections from the
    /// student's width to the teacher's. A distill stage's optimizer steps them with the
    /// student's (with the same weight-decay rule), its checkpoints keep them,
    /// and a resumed run restores them. They are not part of the student the stage saves.
    /// The default is none.
    var parameters: [(name: String, parameter: Parameter)] { get }
}

extension Loss {
    /// Logits only.
    public var request: OutputRequest { [] }
    /// True: most distillation losses compare with the teacher.
    public var needsTeacher: Bool { true }
    /// None: most losses have no parameters of their own.
    public var parameters: [(name: String, parameter: Parameter)] { [] }

    /// The loss without a schedule: ``callAsFunction(student:teacher:batch:)``.
    public func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch, progress: Double) throws -> Tensor {
        try callAsFunction(student: student, teacher: teacher, batch: batch)
    }
}
