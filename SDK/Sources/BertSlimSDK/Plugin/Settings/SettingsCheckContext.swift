internal import Foundation

/// What a recipe's validation knows around a component's settings: the models of its stage and
/// the data. Handed to ``ModelCheckedSettings/conflict(in:)`` and
/// ``ModelDescribingSettings/describedModel(in:)``; nothing in it is built or loaded. New
/// fields may be added; settings read only what they need (SDK 1.2).
public struct SettingsCheckContext: Sendable {
    /// The model the stage starts from (the previous stage's, or the recipe's `teacher:`).
    public var stageModel: ModelSummary?
    /// The model a distillation stage learns from: its `teacher:` block, else ``stageModel``.
    public var teacher: ModelSummary?
    /// The student a distillation stage trains, as its settings describe it.
    public var student: ModelSummary?
    /// The data's class names (from the training file), in label-id order.
    public var labels: [String]
    /// The folder holding the `vocab.txt` the run tokenises with.
    public var tokenizerFolder: String?
    /// The folder relative paths in settings are resolved against (the recipe's folder).
    public var baseDirectory: String

    /// A context from its parts.
    public init(stageModel: ModelSummary? = nil, teacher: ModelSummary? = nil, student: ModelSummary? = nil,
                labels: [String] = [], tokenizerFolder: String? = nil, baseDirectory: String = ".") {
        self.stageModel = stageModel
        self.teacher = teacher
        self.student = student
        self.labels = labels
        self.tokenizerFolder = tokenizerFolder
        self.baseDirectory = baseDirectory
    }

    /// `path` as a setting wrote it, resolved against ``baseDirectory`` when relative.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
    }
}
