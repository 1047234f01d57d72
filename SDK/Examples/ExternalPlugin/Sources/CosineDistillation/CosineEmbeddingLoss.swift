import BertSlimSDK

/// Aligns the direction of the student's vectors with the teacher's:
/// `L = (1/B) Σ_b (1 − ⟨s_b, t_b⟩ / √(‖s_b‖² ‖t_b‖² + ε))`.
///
/// Based on: Sanh et al. 2019, DistilBERT, a distilled version of BERT (the cosine embedding
/// loss on hidden states).
struct CosineEmbeddingLoss: Loss {
    enum Source: String, Decodable, CaseIterable {
        case pooled, logits
    }

    struct Settings: ComponentSettings {
        var source = Source.pooled
        var epsilon: Float = 1e-8
        static var keys: [SettingKey<Settings>] { [
            SettingKey("source", \.source, "which (batch, features) vectors of the outputs to compare"),
            SettingKey("epsilon", \.epsilon, "added under the square root so zero vectors do not divide by zero",
                       valid: { $0 >= 0 ? nil : "must be ≥ 0" }),
        ] }
    }

    let settings: Settings

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        guard let teacher else { throw ComponentError("cosine-embedding", "needs the teacher's output") }
        let s = try vectors(of: student, "student")
        let t = try vectors(of: teacher, "teacher").detached
        guard s.shape == t.shape, s.rank == 2 else {
            throw ComponentError("cosine-embedding", "vectors differ: student \(s.shape), teacher \(t.shape)")
        }
        // s, t: (B, H)
        let dot = sum(s * t, axes: [1])
        let norms = squareRoot(sum(s * s, axes: [1]) * sum(t * t, axes: [1]) + settings.epsilon)
        return 1 - mean(dot / norms)
    }

    private func vectors(of output: ModelOutput, _ who: String) throws -> Tensor {
        switch settings.source {
        case .pooled:
            guard let pooled = output.pooled else { throw ComponentError("cosine-embedding", "the \(who) gave no pooled vectors") }
            return pooled
        case .logits:
            guard let logits = output.logits else { throw ComponentError("cosine-embedding", "the \(who) gave no logits") }
            return logits
        }
    }
}

extension Tensor {
    /// s − x for a constant s.
    fileprivate static func - (s: Float, x: Tensor) -> Tensor { (-x) + s }
}
