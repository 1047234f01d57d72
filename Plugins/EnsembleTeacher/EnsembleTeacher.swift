import BertSlimSDK

/// Several fine-tuned BERT classifiers as one teacher: a distill stage's losses read the
/// ensemble's logits — the mean of the members' logits (`combine: logits`, the default) or the
/// log of the mean of their probabilities (`combine: probabilities`). Members must share their
/// labels and their vocabulary (`vocab.txt`); a mismatch names the two folders. The teacher
/// gives logits only, so losses on hidden states (PKD) need a single teacher.
///
/// With `combine: probabilities`, a loss at temperature T softens the averaged distribution
/// (p̄^{1/T}, renormalised), not each member's; at T = 1 the two are the same.
///
/// Based on: Liu, He, Chen & Gao 2019, Improving Multi-Task Deep Neural Networks via Knowledge
/// Distillation for Natural Language Understanding (MT-DNN-KD: the student learns the average
/// of an ensemble's class probabilities).
final class EnsembleTeacher: Teacher, CustomStringConvertible {
    typealias Settings = EnsembleSettings
    let settings: Settings
    let ensemble: EnsembleModel

    var model: any Model { ensemble }

    /// Reads the members' heads and vocabularies first, then loads their weights.
    /// - Throws: ``ComponentError`` naming the folders that disagree or fail to load.
    init(settings: Settings, context: ComponentContext) throws {
        self.settings = settings
        let resolve = SettingsCheckContext(baseDirectory: context.baseDirectory).resolve
        let members = try EnsembleMember.read(settings.models, resolve: resolve)
        if let problem = EnsembleMember.mismatch(members) { throw ComponentError("ensemble", problem) }
        if let count = context.labelCount, let first = members.first, first.labels.count != count {
            throw ComponentError("ensemble", "\(first.folder) has \(first.labels.count) labels, and the task has \(count)")
        }
        ensemble = EnsembleModel(members: try members.map { member in
            do { return (member.folder, try BertModel.load(directory: member.path)) } catch {
                throw ComponentError("ensemble", "\(member.folder): \(error)")
            }
        }, combine: settings.combine)
    }

    /// `ensemble of 3 (combine: logits): a, b, c`.
    var description: String { "\(settings.description): \(settings.models.joined(separator: ", "))" }
}
