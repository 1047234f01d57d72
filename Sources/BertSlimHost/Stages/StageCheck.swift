import BertSlimSDK
import Foundation

/// What validation knows while it checks a stage: the sweep point's recipe, the loaded
/// plugins, the data's labels, and what the stages before leave. Each ``Stage/plan(_:)``
/// reads it and throws ``RecipeError`` under ``path``.
final class StageCheck {
    let recipe: Recipe
    let host: PluginHost
    let labels: LabelVocabulary
    /// What components are built with (no teacher or training data yet).
    let context: ComponentContext
    /// `stages[2].prune`.
    private(set) var path = ""
    /// The fewest positions of the BERT models the stages so far work on, and whose they are.
    var positions: (count: Int, folder: String)?
    /// What is known of the model the current stage starts from (layers, width, labels); a
    /// stage that makes a model says what it will be, or leaves nil when it cannot tell.
    var model: ModelSummary?
    /// What is known of the model after each earlier stage that has an id (nil: unknown), for
    /// `{stage: id}` references.
    var stageModels: [String: ModelSummary?] = [:]

    init(recipe: Recipe, host: PluginHost, labels: LabelVocabulary, positions: (count: Int, folder: String)?) {
        self.recipe = recipe
        self.host = host
        self.labels = labels
        self.positions = positions
        context = ComponentContext(labelCount: labels.count, seed: recipe.seed, baseDirectory: recipe.baseDirectory)
    }

    /// Moves on to stage `index` of `type`.
    func enter(_ index: Int, type: String) { path = "stages[\(index)].\(type)" }

    /// Where `path` is in the file, or the stage when it is not written there.
    func location(_ path: String) -> RecipeLocation? {
        recipe.document.location(of: path) ?? recipe.document.location(of: self.path)
    }

    /// An ``RecipeError/invalidValue(path:reason:at:)`` at `key` under the stage.
    func invalid(_ key: String, _ reason: String) -> RecipeError {
        .invalidValue(path: path + "." + key, reason: reason, at: location(path + "." + key))
    }

    /// Throws unless the data has a file for `split`.
    func requireSplit(_ split: DataSplit, key: String) throws {
        if recipe.data.file(split) == nil {
            throw invalid(key, "the data has no \(split.rawValue) file (set data.\(split.rawValue))")
        }
    }

    /// The model after the earlier stage `id` names, as far as validation knows it.
    /// - Throws: ``RecipeError`` at `key` when no earlier stage has that id.
    func stageModel(_ id: String, key: String) throws -> ModelSummary? {
        guard let summary = stageModels[id] else {
            let known = stageModels.keys.sorted()
            throw invalid(key, "no earlier stage has the id '\(id)'" + (known.isEmpty ? " (no earlier stage has an id)" : " (earlier ids: \(known.joined(separator: ", ")))"))
        }
        return summary
    }

    /// A key that a component reference may not have in this role is an unknown key.
    func rejectKeys(_ keys: [String], at key: String, known: [String]) throws {
        try recipe.rejectKeys(keys, at: path + "." + key, known: known)
    }

    /// The component context with the stage's `select:` block.
    func context(selecting selection: ParameterSelector) -> ComponentContext {
        var context = self.context
        context.selection = selection
        return context
    }
}
