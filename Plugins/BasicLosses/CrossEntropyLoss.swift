import BertSlimSDK

/// Cross-entropy of the student's logits against the batch's labels, with optional label
/// smoothing ε: `L = −(1/B) Σ_b Σ_c q_bc · log softmax(z_b)_c`, where
/// `q = (1 − ε)·onehot(y) + ε/C`.
struct CrossEntropyLoss: Loss {
    struct Settings: ComponentSettings {
        var labelSmoothing: Float = 0
        static var keys: [SettingKey<Settings>] { [
            SettingKey("label_smoothing", \.labelSmoothing, "ε in [0, 1): mass spread evenly over all classes",
                       valid: { (0..<1).contains($0) ? nil : "must be in [0, 1)" }),
        ] }
    }

    let settings: Settings

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    var needsTeacher: Bool { false }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        guard let logits = student.logits, logits.rank == 2 else {
            throw ComponentError("cross-entropy", "needs the student's logits of shape (batch, classes)")
        }
        guard let labels = batch.labels else { throw ComponentError("cross-entropy", "the batch has no labels") }
        let (rows, classes) = (logits.shape[0], logits.shape[1])
        guard labels.count == rows else {
            throw ComponentError("cross-entropy", "\(labels.count) labels for \(rows) rows of logits")
        }
        let epsilon = settings.labelSmoothing
        var target = [Float](repeating: epsilon / Float(classes), count: rows * classes)
        for (row, label) in labels.scalars.enumerated() {
            guard (0..<classes).contains(Int(label)) else {
                throw ComponentError("cross-entropy", "label \(label) is not in 0..<\(classes)")
            }
            target[row * classes + Int(label)] += 1 - epsilon
        }
        let logProbabilities = logSoftmax(logits)
        return sum(logProbabilities * Tensor(shape: [rows, classes], scalars: target)) * (-1 / Float(rows))
    }
}
