import BertSlimSDK
import Foundation

extension BertStudentSettings {
    /// The shape the student will have when made from `teacher`: what the settings give, the
    /// teacher's sizes elsewhere, half its depth (rounded up) by default.
    func shape(teacherLayers: Int?, hiddenSize: Int?, heads: Int?) -> (layers: Int?, hidden: Int?, heads: Int?) {
        (layers ?? layerMap?.count ?? teacherLayers.map { ($0 + 1) / 2 }, self.hiddenSize ?? hiddenSize, self.heads ?? heads)
    }

    /// The student as validation can foresee it: a BERT (every internal available) of the
    /// configured or the teacher's shape, with the teacher's labels or the data's.
    func describedModel(in context: SettingsCheckContext) -> ModelSummary? {
        let teacher = context.stageModel
        let (layers, hidden, heads) = shape(teacherLayers: teacher?.layerCount, hiddenSize: teacher?.hiddenSize,
                                            heads: teacher?.attentionHeads)
        let labels = teacher?.labels.flatMap { $0.isEmpty ? nil : $0 } ?? (context.labels.isEmpty ? nil : context.labels)
        return ModelSummary(name: FirstPartyComponents.BertStudent.student, layerCount: layers, hiddenSize: hidden,
                            attentionHeads: heads, labels: labels, vocabularySize: teacher?.vocabularySize, availableOutputs: .all)
    }

    /// `layer_map` against the model the weights come from (the teacher, or the `pretrained`
    /// folder), and a `pretrained` folder against the teacher's vocabulary.
    func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
        var source = initialization == .pretrained ? nil : context.stageModel
        if initialization == .pretrained, let pretrained {
            do {
                source = try ModelSummary(folder: context.resolve(pretrained), name: pretrained)
            } catch {
                return ("pretrained", "\(error)")
            }
            // Another vocabulary is matched to the teacher's token by token when the run starts;
            // it must come with its vocab.txt and be about as large.
            let vocabulary = context.resolve(pretrained) + "/vocab.txt"
            if let mine = source?.vocabularySize, let theirs = context.stageModel?.vocabularySize, mine != theirs,
               mine * 10 < theirs * 9 || !FileManager.default.fileExists(atPath: vocabulary) {
                return ("pretrained", "\(pretrained) has \(mine) token embeddings, and the teacher (\(context.stageModel?.name ?? "")) "
                        + "\(theirs): the student reads the teacher's tokens, so a pretrained model of another vocabulary "
                        + "needs its vocab.txt and at least 90 % of the teacher's tokens")
            }
        }
        if let map = layerMap, let source, let count = source.layerCount, let bad = map.first(where: { !(0..<count).contains($0) }) {
            let role = initialization == .pretrained ? "pretrained model" : "teacher"
            return ("layer_map", "entry \(bad) is not a layer of the \(role) (\(source.name) has \(count) layers, 0...\(count - 1))")
        }
        return nil
    }
}
