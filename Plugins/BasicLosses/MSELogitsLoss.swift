import BertSlimSDK

/// Mean squared error between the student's and the teacher's logits:
/// `L = mean((z_s − z_t)²)` over every element (`reduction: mean`), or
/// `L = (1/B) Σ_b ‖z_s,b − z_t,b‖²` (`reduction: batchmean`).
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple
/// Neural Networks.
struct MSELogitsLoss: Loss {
    enum Reduction: String, Decodable, CaseIterable {
        case mean, batchmean
    }

    struct Settings: ComponentSettings {
        var reduction = Reduction.mean
        static var keys: [SettingKey<Settings>] { [
            SettingKey("reduction", \.reduction, "mean over all elements, or squared distance averaged over the batch"),
        ] }
    }

    let settings: Settings

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        guard let studentLogits = student.logits else { throw ComponentError("mse-logits", "the student gave no logits") }
        guard let teacherLogits = teacher?.logits else { throw ComponentError("mse-logits", "needs the teacher's logits") }
        guard studentLogits.shape == teacherLogits.shape else {
            throw ComponentError("mse-logits", "logit shapes differ: student \(studentLogits.shape), teacher \(teacherLogits.shape)")
        }
        let difference = studentLogits - teacherLogits.detached
        let squared = sum(difference * difference)
        let count = settings.reduction == .mean ? studentLogits.count : max(studentLogits.shape.first ?? 1, 1)
        return squared * (1 / Float(max(count, 1)))
    }
}
