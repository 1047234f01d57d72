internal import Foundation

/// How a classifier is fine-tuned: AdamW with linear warmup then linear (or cosine) decay,
/// global-norm clipping, dropout from the config, everything seeded.
public struct FineTuneSettings: Codable, Equatable, Sendable {
    public var epochs = 3
    public var batchSize = 32
    public var learningRate: Float = 5e-5
    /// Fraction of all steps spent warming the learning rate up from 0.
    public var warmupFraction: Double = 0.1
    public var weightDecay: Float = 0.01
    public var maxGradientNorm: Float = 1
    /// The learning rate's decay after warm-up.
    public var schedule = LearningRateDecay.linear
    public var seed: UInt64 = 1

    public init() {}

    /// Checks every value is usable.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw TrainingError.invalidSetting(key: key, reason: reason) }
        }
        try check(epochs >= 1, "epochs", "\(epochs) must be at least 1")
        try check(batchSize >= 1, "batch_size", "\(batchSize) must be at least 1")
        try check(learningRate > 0 && learningRate.isFinite, "learning_rate", "\(learningRate) must be positive")
        try check((0...1).contains(warmupFraction), "warmup_fraction", "\(warmupFraction) is not in 0...1")
        try check(weightDecay >= 0, "weight_decay", "\(weightDecay) must not be negative")
        try check(maxGradientNorm > 0, "max_gradient_norm", "\(maxGradientNorm) must be positive")
    }
}

/// How the learning rate falls from its peak to 0 after warm-up (transformers'
/// `get_linear_schedule_with_warmup` or `get_cosine_schedule_with_warmup`). Not to be confused
/// with a ``Schedule``, which is a setting's curve over a stage.
public enum LearningRateDecay: String, Codable, CaseIterable, Sendable {
    case linear, cosine

    /// The schedule over `totalSteps` steps, the first `warmupSteps` of them warming up.
    public func schedule(warmupSteps: Int, totalSteps: Int) -> any LearningRateSchedule {
        switch self {
        case .linear: return LinearDecaySchedule(warmupSteps: warmupSteps, totalSteps: totalSteps)
        case .cosine: return CosineDecaySchedule(warmupSteps: warmupSteps, totalSteps: totalSteps)
        }
    }
}

/// A training run that cannot go on.
public enum TrainingError: Error, CustomStringConvertible {
    case invalidSetting(key: String, reason: String)
    case nonFiniteLoss(step: Int, value: Float)
    case missingLabels(file: String)
    /// The model returns no logits: it has no classification head yet.
    case noClassificationHead
    /// A data split the stage needs was not given.
    case missingSplit(String)
    /// ``Trainer/shouldStop`` asked for a stop; a checkpoint at `step` was handed to
    /// ``Trainer/onCheckpoint`` first (SDK 1.5).
    case interrupted(step: Int)

    public var description: String {
        switch self {
        case let .invalidSetting(key, reason): return "\(key): \(reason)"
        case let .nonFiniteLoss(step, value): return "loss became \(value) at step \(step); stopped (the last good weights are kept)"
        case let .missingLabels(file): return "\(file): training needs a label column"
        case .noClassificationHead:
            return "the model has no classification head (fine-tune or distil one before evaluating it)"
        case let .missingSplit(name): return "data.\(name) is not given, but a stage needs it"
        case let .interrupted(step): return "stopped on request after step \(step) (checkpointed)"
        }
    }
}

/// What a training run reports as it goes.
public enum TrainingEvent: Sendable {
    /// After each optimizer step.
    case step(epoch: Int, step: Int, stepsPerEpoch: Int, loss: Float, learningRate: Float, examplesPerSecond: Double)
    /// After each epoch's evaluation on the dev set.
    case evaluation(epoch: Int, metrics: ClassificationMetrics)
}

extension BertModel {
    /// Fine-tunes this model (which must have a classification head) on `train`,
    /// evaluating on `dev` after every epoch. For checkpoints and resumption use ``Trainer``.
    /// - Returns: the dev metrics of each epoch.
    /// - Throws: `TrainingError` for bad settings, unlabelled data or a NaN/Inf loss.
    @discardableResult
    public func fineTune(on train: EncodedDataset, dev: EncodedDataset?, settings: FineTuneSettings,
                         progress: (TrainingEvent) -> Void = { _ in }) throws -> [ClassificationMetrics] {
        let trainer = try classificationTrainer(on: train, settings: settings)
        if let dev { trainer.evaluate = { try evaluateClassifier(self, on: dev) } }
        return try trainer.run(progress: progress)
    }

    /// A ``Trainer`` that minimises cross-entropy against the labels of `train`.
    /// - Throws: `TrainingError` for bad settings or unlabelled data (or no head).
    public func classificationTrainer(on train: EncodedDataset, settings: FineTuneSettings) throws -> Trainer {
        try makeClassificationTrainer(self, on: train, settings: settings)
    }
}

extension Classifier {
    /// A ``Trainer`` that minimises cross-entropy against the labels of `train`: what a
    /// fine-tune stage and quantization-aware training run.
    /// - Throws: `TrainingError` for bad settings, unlabelled data or a model without a head.
    public func classificationTrainer(on train: EncodedDataset, settings: FineTuneSettings) throws -> Trainer {
        try makeClassificationTrainer(self, on: train, settings: settings)
    }
}

private func makeClassificationTrainer(_ model: any Classifier, on train: EncodedDataset,
                                       settings: FineTuneSettings) throws -> Trainer {
    guard model.hasClassifier else { throw TrainingError.noClassificationHead }
    guard train.dataset.examples.allSatisfy({ $0.labelID != nil }) else { throw TrainingError.missingLabels(file: train.dataset.file) }
    return try Trainer(model: model, train: train, settings: settings) { batch, _ in
        guard let labels = batch.labels else { throw TrainingError.missingLabels(file: train.dataset.file) }
        guard let logits = try model.forward(batch, request: [], training: true).logits else { throw TrainingError.noClassificationHead }
        return try crossEntropy(logits, labels: labels)
    }
}
