internal import Foundation

/// Where a training run stands: the next batch to train on and the optimizer steps done.
public struct TrainingPosition: Codable, Equatable, Sendable {
    /// Epoch of the next batch (0-based).
    public var epoch: Int
    /// Index of the next batch within its epoch.
    public var batch: Int
    /// Optimizer steps completed so far.
    public var step: Int

    /// A position from its parts.
    public init(epoch: Int = 0, batch: Int = 0, step: Int = 0) {
        self.epoch = epoch
        self.batch = batch
        self.step = step
    }
}

/// Everything a run needs to continue bit for bit where it stopped, apart from the model's
/// weights (which the caller saves with the model).
public struct TrainingCheckpoint {
    /// The next batch to train on.
    public var position: TrainingPosition
    /// AdamW's buffers and counters.
    public var optimizer: OptimizerState
    /// The dropout stream, for models that draw dropout masks.
    public var dropoutGenerator: SeededGenerator?
    /// Dev metrics of the epochs completed so far.
    public var history: [ClassificationMetrics]

    /// A checkpoint from its parts.
    public init(position: TrainingPosition, optimizer: OptimizerState, dropoutGenerator: SeededGenerator?,
                history: [ClassificationMetrics]) {
        self.position = position
        self.optimizer = optimizer
        self.dropoutGenerator = dropoutGenerator
        self.history = history
    }
}

/// A model whose dropout masks come from a seeded stream that a checkpoint must keep.
public protocol DropoutSeeded: AnyObject {
    /// The stream the next dropout mask is drawn from.
    var dropoutGenerator: SeededGenerator { get set }
}

extension BertModel: DropoutSeeded {}

/// The training loop shared by fine-tuning and distillation: AdamW with warm-up and decay,
/// global-norm clipping, length-bucketed seeded batches, a dev evaluation after each epoch,
/// and checkpoints from which a killed run resumes exactly.
///
/// The sampler is deterministic per (seed, epoch), so resuming skips the batches already
/// trained in the checkpoint's epoch and then sees exactly the batches an uninterrupted run
/// would.
public final class Trainer {
    /// The loss of one batch: a scalar recording gradients into the model's parameters.
    /// `progress` is the fraction of all steps done (0 at the start, for schedules).
    public typealias Objective = (_ batch: Batch, _ progress: Double) throws -> Tensor

    /// The model being trained.
    public let model: any Model
    /// Learning rate, batch size, epochs, seed.
    public let settings: FineTuneSettings
    /// Batches per epoch.
    public let stepsPerEpoch: Int
    /// Optimizer steps over all epochs.
    public var totalSteps: Int { stepsPerEpoch * settings.epochs }
    /// Steps between checkpoints (0: only at the end of each epoch).
    public var checkpointInterval = 0
    /// Called with each checkpoint; the caller saves it next to the model's weights.
    public var onCheckpoint: ((TrainingCheckpoint) throws -> Void)?
    /// Scores the model on the dev set after each epoch (nil: no evaluation).
    public var evaluate: (() throws -> ClassificationMetrics)?
    /// Asked after every step: true stops the run with a checkpoint (``onCheckpoint``) and
    /// ``TrainingError/interrupted(step:)``, so that it can resume from there (SDK 1.5).
    public var shouldStop: (() -> Bool)?

    private let train: EncodedDataset
    private let objective: Objective
    private let optimizer: AdamW
    private let named: [(name: String, parameter: Parameter)]
    private let sampler: LengthBucketSampler
    private let schedule: any LearningRateSchedule
    private var position = TrainingPosition()
    private var history: [ClassificationMetrics] = []

    /// Trainable parameters besides the model's (a loss's, ``Loss/parameters``), stepped with them.
    public let extraParameters: [(name: String, parameter: Parameter)]

    /// A trainer for `model` on `train`; seeds the model's dropout stream from the settings.
    /// - Parameter extraParameters: parameters outside the model that the objective trains too
    ///   (a loss's own, e.g. TinyBERT's projections); the caller saves and restores their values.
    /// - Throws: `TrainingError.invalidSetting` for bad settings, optimizer errors.
    public init(model: any Model, train: EncodedDataset, settings: FineTuneSettings,
                extraParameters: [(name: String, parameter: Parameter)], objective: @escaping Objective) throws {
        try settings.validate()
        self.model = model
        self.train = train
        self.settings = settings
        self.objective = objective
        self.extraParameters = extraParameters
        named = model.namedParameters + extraParameters
        optimizer = try AdamW(groups: ParameterGroup.weightDecayGroups(named, weightDecay: settings.weightDecay),
                              learningRate: settings.learningRate)
        sampler = LengthBucketSampler(batchSize: settings.batchSize, seed: settings.seed)
        stepsPerEpoch = (train.count + settings.batchSize - 1) / settings.batchSize
        let total = stepsPerEpoch * settings.epochs
        let warmup = Int(settings.warmupFraction * Double(total))
        schedule = settings.schedule.schedule(warmupSteps: warmup, totalSteps: total)
        (model as? DropoutSeeded)?.dropoutGenerator = SeededGenerator(seed: settings.seed &+ 0x5EED)
    }

    /// A trainer for `model` alone (SDK 1.0's form).
    public convenience init(model: any Model, train: EncodedDataset, settings: FineTuneSettings, objective: @escaping Objective) throws {
        try self.init(model: model, train: train, settings: settings, extraParameters: [], objective: objective)
    }

    /// Continues from `checkpoint` (the model's weights must already be the checkpoint's).
    /// - Throws: `OptimizerError.incompatibleState` when the state does not fit the model.
    public func restore(_ checkpoint: TrainingCheckpoint) throws {
        try optimizer.restore(checkpoint.optimizer)
        position = checkpoint.position
        history = checkpoint.history
        if let generator = checkpoint.dropoutGenerator { (model as? DropoutSeeded)?.dropoutGenerator = generator }
    }

    /// The state to save now.
    public var checkpoint: TrainingCheckpoint {
        TrainingCheckpoint(position: position, optimizer: optimizer.state,
                           dropoutGenerator: (model as? DropoutSeeded)?.dropoutGenerator, history: history)
    }

    /// Trains from the current position to the end.
    /// - Returns: the dev metrics of every epoch (restored ones included).
    /// - Throws: `TrainingError.nonFiniteLoss` naming the step (weights stay as they were
    ///   before that step), `TrainingError.interrupted` when ``shouldStop`` asked for it, or what
    ///   the objective, evaluation or checkpoint callback throws.
    @discardableResult
    public func run(progress: (TrainingEvent) -> Void = { _ in }) throws -> [ClassificationMetrics] {
        while position.epoch < settings.epochs {
            let epoch = position.epoch
            let batches = sampler.batches(lengths: train.lengths, epoch: epoch)
            while position.batch < batches.count {
                let start = DispatchTime.now().uptimeNanoseconds
                let batch = train.batch(batches[position.batch])
                optimizer.setLearningRate(from: schedule, base: settings.learningRate)
                let loss = try objective(batch, Double(position.step) / Double(max(totalSteps, 1)))
                guard loss.item.isFinite else { throw TrainingError.nonFiniteLoss(step: position.step + 1, value: loss.item) }
                loss.backward()
                _ = clipGradientNorm(named.map(\.parameter), maxNorm: settings.maxGradientNorm)
                optimizer.step()
                optimizer.zeroGrad()
                position.step += 1
                position.batch += 1
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress(.step(epoch: epoch, step: position.batch, stepsPerEpoch: stepsPerEpoch, loss: loss.item,
                               learningRate: optimizer.learningRate, examplesPerSecond: Double(batch.size) / max(seconds, 1e-9)))
                if position.batch < batches.count {
                    let saved = checkpointInterval > 0 && position.step % checkpointInterval == 0
                    if saved { try onCheckpoint?(checkpoint) }
                    if shouldStop?() == true {
                        if !saved { try onCheckpoint?(checkpoint) }
                        throw TrainingError.interrupted(step: position.step)
                    }
                }
            }
            if let evaluate {
                let metrics = try evaluate()
                history.append(metrics)
                progress(.evaluation(epoch: epoch, metrics: metrics))
            }
            position.epoch += 1
            position.batch = 0
            try onCheckpoint?(checkpoint)
            if position.epoch < settings.epochs, shouldStop?() == true { throw TrainingError.interrupted(step: position.step) }
        }
        return history
    }
}
