import BertSlimSDK

/// The settings of the `ensemble` teacher: its member folders and how their outputs combine.
struct EnsembleSettings: ModelCheckedSettings, ModelDescribingSettings {
    /// How the members' outputs become one.
    enum Combine: String, Decodable, CaseIterable, Equatable {
        /// The mean of the members' logits.
        case logits
        /// The mean of the members' class probabilities; the teacher's logits are their log.
        case probabilities
    }

    var models: [String] = []
    var combine = Combine.logits

    static var keys: [SettingKey<EnsembleSettings>] { [
        SettingKey("models", \.models, "fine-tuned BERT classifier folders (relative to the recipe) with the same labels and vocabulary",
                   valid: { $0.isEmpty ? "an ensemble needs at least one model folder" : nil }),
        SettingKey("combine", \.combine, "logits: average the members' logits; probabilities: average their softmax outputs"),
    ] }

    func conflict() -> (key: String, reason: String)? {
        let repeated = Dictionary(grouping: models, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        return repeated.first.map { ("models", "\($0) is listed twice") }
    }

    /// Members read from their folders: they share labels and a vocabulary, and match the
    /// data's labels and the run's tokenizer.
    func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
        do {
            let members = try EnsembleMember.read(models, resolve: context.resolve)
            if let problem = EnsembleMember.mismatch(members) { return ("models", problem) }
            if let first = members.first, !context.labels.isEmpty, first.labels.count != context.labels.count {
                return ("models", "\(first.folder) has a classification head for \(first.labels.count) labels "
                        + "(\(first.labels.joined(separator: ", "))), but the data has \(context.labels.count)")
            }
            if let first = members.first, let tokenizer = context.tokenizerFolder {
                let run = try EnsembleMember.vocabulary(in: tokenizer)
                if let line = EnsembleMember.firstDifference(first.vocabulary, run) {
                    return ("models", "\(first.folder) and the run's tokenizer (\(tokenizer)) have different vocabularies (vocab.txt \(line))")
                }
            }
            return nil
        } catch {
            return ("models", "\(error)")
        }
    }

    /// Logits only, with the members' labels.
    func describedModel(in context: SettingsCheckContext) -> ModelSummary? {
        let first = try? EnsembleMember.read(Array(models.prefix(1)), resolve: context.resolve).first
        return ModelSummary(name: description, labels: first?.labels, vocabularySize: first?.vocabulary.count, availableOutputs: [])
    }

    /// `ensemble of 3 (combine: logits)`.
    var description: String { "ensemble of \(models.count) (combine: \(combine.rawValue))" }
}
