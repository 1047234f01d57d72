/// Settings with rules that depend on the models of their stage or on files they name: a layer
/// map that must name layers the teacher has, ensemble members that must share labels and a
/// vocabulary. The host calls ``conflict(in:)`` when it validates a recipe, after the block
/// decoded and ``ComponentSettings/conflict()`` passed, so `bertslim validate` reports the
/// problem with its key path (SDK 1.2).
public protocol ModelCheckedSettings: ComponentSettings {
    /// The key to blame and why, or nil. Say what the model has in the reason
    /// ("the teacher (runs/t) has 6 layers, 0...5"). Fields of `context` that are nil are
    /// unknown: skip the checks that need them.
    func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)?
}

/// Settings of a component that makes a model (a student) and can say, before building it,
/// what that model will be: its depth, width and outputs. Validation passes it on, to the
/// losses of the same stage (``SettingsCheckContext/student``) and to later stages
/// (``SettingsCheckContext/stageModel``) (SDK 1.2).
public protocol ModelDescribingSettings: ComponentSettings {
    /// The model a component with these settings builds in `context` (whose
    /// ``SettingsCheckContext/stageModel`` it starts from), or nil when that is not known.
    func describedModel(in context: SettingsCheckContext) -> ModelSummary?
}
