import BertSlimSDK

extension StageCheck {
    /// What components' settings are checked against in the current stage: its starting model,
    /// the teacher and student of a distill stage, the data's labels and the run's tokenizer.
    func settingsContext(teacher: ModelSummary? = nil, student: ModelSummary? = nil) -> SettingsCheckContext {
        let tokenizer = recipe.teacher.map { recipe.resolve($0.tokenizer ?? $0.model) }
        return SettingsCheckContext(stageModel: model, teacher: teacher ?? model, student: student, labels: labels.names,
                                    tokenizerFolder: tokenizer, baseDirectory: recipe.baseDirectory)
    }

    /// Checks a resolved component's settings against the models of its stage
    /// (``ModelCheckedSettings``).
    /// - Throws: ``RecipeError`` at the settings key the component blames.
    func checkModels(_ component: ResolvedComponent, in context: SettingsCheckContext) throws {
        guard let (key, reason) = component.factory.conflict(of: component.settings, in: context) else { return }
        let path = component.settingsPath + "." + key
        throw RecipeError.invalidValue(path: path, reason: reason, at: location(path) ?? location(component.path))
    }

    /// The model a resolved component will make, as its settings describe it.
    func describedModel(_ component: ResolvedComponent, in context: SettingsCheckContext) -> ModelSummary? {
        component.factory.model(describedBy: component.settings, in: context)
    }

    /// What a model folder's `config.json` says (nil when it does not read; the folder checks
    /// report that).
    func summary(ofFolder folder: String) -> ModelSummary? {
        try? ModelSummary(folder: recipe.resolve(folder), name: folder)
    }
}
