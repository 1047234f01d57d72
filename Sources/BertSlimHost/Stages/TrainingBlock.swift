import BertSlimSDK

/// The training keys of every stage that trains (`finetune`, `distill`, a `quantize` stage with
/// `epochs`, a `prune` stage's `finetune:` block).
public struct TrainingBlock: ComponentSettings, Equatable {
    /// Optimizer, schedule, epochs, batch size (the seed comes from the recipe).
    public var settings = FineTuneSettings()
    /// Optimizer steps between mid-epoch checkpoints (0: only at the end of each epoch).
    public var checkpointEvery = 50
    public init() {}

    static func trainingKeys<Root: ComponentSettings>(_ path: WritableKeyPath<Root, TrainingBlock>) -> [SettingKey<Root>] { [
        SettingKey("epochs", path.appending(path: \.settings.epochs), "passes over the training data",
                   valid: { $0 >= 1 && $0 <= 1000 ? nil : "\($0) is not in 1...1000" }),
        SettingKey("batch_size", path.appending(path: \.settings.batchSize), "examples per step",
                   valid: { $0 >= 1 && $0 <= 4096 ? nil : "\($0) is not in 1...4096" }),
        SettingKey("learning_rate", path.appending(path: \.settings.learningRate), "peak AdamW learning rate",
                   valid: { $0 > 0 && $0 < 1 ? nil : "\($0) is not in (0, 1)" }),
        SettingKey("warmup_fraction", path.appending(path: \.settings.warmupFraction), "fraction of steps warming the rate up",
                   valid: { (0...1).contains($0) ? nil : "\($0) is not in 0...1" }),
        SettingKey("weight_decay", path.appending(path: \.settings.weightDecay), "AdamW weight decay (not on biases and LayerNorm)",
                   valid: { $0 >= 0 && $0 < 1 ? nil : "\($0) is not in 0..<1" }),
        SettingKey("max_gradient_norm", path.appending(path: \.settings.maxGradientNorm), "global gradient-norm clip",
                   valid: { $0 > 0 ? nil : "\($0) must be positive" }),
        SettingKey("schedule", path.appending(path: \.settings.schedule), "learning-rate decay after warm-up"),
        SettingKey("checkpoint_every", path.appending(path: \.checkpointEvery), "steps between mid-epoch checkpoints (0: epoch ends only)",
                   valid: { $0 >= 0 ? nil : "\($0) must not be negative" }),
    ] }

    public static var keys: [SettingKey<TrainingBlock>] { trainingKeys(\.self) }
}
