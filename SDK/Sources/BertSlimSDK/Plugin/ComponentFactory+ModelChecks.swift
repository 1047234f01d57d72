extension ComponentFactory {
    /// What ``ModelCheckedSettings/conflict(in:)`` finds in `settings`, which this factory
    /// decoded; nil when the settings have no such rules.
    public func conflict(of settings: DecodedSettings, in context: SettingsCheckContext) -> (key: String, reason: String)? {
        (settings.value as? any ModelCheckedSettings)?.conflict(in: context)
    }

    /// The model `settings` describe (``ModelDescribingSettings``), or nil.
    public func model(describedBy settings: DecodedSettings, in context: SettingsCheckContext) -> ModelSummary? {
        (settings.value as? any ModelDescribingSettings)?.describedModel(in: context)
    }
}
