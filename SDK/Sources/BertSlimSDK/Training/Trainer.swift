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
///
/// **Data parallel** (SDK 1.6): over a ``communicator`` of several ranks, every rank draws the
/// same global batches and trains on its contiguous share of each; each share's loss is
/// weighted by its share of the batch, so that the summed gradient is the global batch's. The
/// gradients are summed over the ranks after backward (an embedding table's over the rows some
/// rank's share touched, other large ones in place, small ones in buckets of
/// ``gradientBucketSize`` values), then every rank clips and steps the same optimizer on the
/// same numbers.
/// Rank 0's parameters are copied to every rank when a run starts. Each share is padded to the
/// global batch's length and draws its rows of the global batch's dropout masks (one stream on
/// every rank, see `SeededGenerator.rows`), so the training is one process's up to the order of
/// float sums, whatever the number of ranks; checkpoints hold rank 0's state, and a run resumes
/// on any number of ranks.
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
    /// ``TrainingError/interrupted(step:)``, so that it can resume from there (SDK 1.5). Over
    /// several ranks, the run stops when any rank asks.
    public var shouldStop: (() -> Bool)?
    /// The ranks the batches are spread over (SDK 1.6; default ``Distributed/world``).
    public var communicator: any Communicator = Distributed.world
    /// Gradient values summed over the ranks per all-reduce (SDK 1.6): gradients of at least
    /// 1/64 of it are summed in place, smaller ones packed together up to this size.
    public var gradientBucketSize = 4 << 20
    /// Seconds spent summing gradients over the ranks so far (SDK 1.6).
    public private(set) var allReduceSeconds = 0.0

    private let train: EncodedDataset
    private let objective: Objective
    private let optimizer: AdamW
    private let named: [(name: String, parameter: Parameter)]
    /// The parameters once each (tied weights are listed under several names).
    private let uniqueParameters: [Parameter]
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
        var seen = Set<ObjectIdentifier>()
        uniqueParameters = named.map(\.parameter).filter { seen.insert(ObjectIdentifier($0)).inserted }
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
        let ranks = communicator.size
        if ranks > 1 { for parameter in uniqueParameters { try communicator.broadcast(parameter, root: 0) } }
        while position.epoch < settings.epochs {
            let epoch = position.epoch
            let lengths = train.lengths
            let batches = sampler.batches(lengths: lengths, epoch: epoch)
            while position.batch < batches.count {
                let start = DispatchTime.now().uptimeNanoseconds
                let global = batches[position.batch]
                let rank = communicator.rank
                let first = global.count * rank / ranks
                let share = Array(global[first..<global.count * (rank + 1) / ranks])
                optimizer.setLearningRate(from: schedule, base: settings.learningRate)
                var lossValue: Float = 0
                if !share.isEmpty {
                    // Over several ranks: the global batch's width and its rows of the dropout masks.
                    let width = ranks > 1 ? global.map { lengths[$0] }.max() : nil
                    (model as? DropoutSeeded)?.dropoutGenerator.rows = ranks > 1 ? (first, share.count, global.count) : nil
                    var loss = try objective(train.batch(share, length: width), Double(position.step) / Double(max(totalSteps, 1)))
                    if ranks > 1 { loss = loss * (Float(share.count) / Float(global.count)) }
                    lossValue = loss.item
                    if lossValue.isFinite { loss.backward() }
                }
                var stop = false
                if ranks > 1 { try sumOverRanks(loss: &lossValue, stop: &stop) }
                guard lossValue.isFinite else { throw TrainingError.nonFiniteLoss(step: position.step + 1, value: lossValue) }
                _ = clipGradientNorm(named.map(\.parameter), maxNorm: settings.maxGradientNorm)
                optimizer.step()
                optimizer.zeroGrad()
                position.step += 1
                position.batch += 1
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                progress(.step(epoch: epoch, step: position.batch, stepsPerEpoch: stepsPerEpoch, loss: lossValue,
                               learningRate: optimizer.learningRate, examplesPerSecond: Double(global.count) / max(seconds, 1e-9)))
                if position.batch < batches.count {
                    let saved = checkpointInterval > 0 && position.step % checkpointInterval == 0
                    if saved { try onCheckpoint?(checkpoint) }
                    if ranks > 1 ? stop : shouldStop?() == true {
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
            if position.epoch < settings.epochs, try stopRequestedOnAnyRank() { throw TrainingError.interrupted(step: position.step) }
        }
        return history
    }

    /// Sums the gradients, the weighted losses and the stop requests over the ranks. A
    /// parameter that has a gradient on some rank gets one (zeros) on every rank first, so that
    /// the buffers agree; one without a gradient anywhere keeps none (the optimizer skips it).
    private func sumOverRanks(loss: inout Float, stop: inout Bool) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        defer { allReduceSeconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let parameters = uniqueParameters.filter(\.requiresGrad)
        // First: which parameters have gradients, the loss, the stop request and which rows of
        // each table (an embedding) have a gradient anywhere, in one small reduce.
        let tables = parameters.filter(Self.isTable)
        var header = parameters.map { $0.grad == nil ? Float(0) : 1 } + [loss, shouldStop?() == true ? 1 : 0]
        for table in tables { header += Self.nonzeroRows(of: table) }
        try communicator.allReduce(&header, .sum)
        loss = header[parameters.count]
        stop = header[parameters.count + 1] > 0
        var rowsOfTable: [ObjectIdentifier: [Int]] = [:]
        var offset = parameters.count + 2
        for table in tables {
            let flags = header[offset..<offset + table.shape[0]]
            rowsOfTable[ObjectIdentifier(table)] = flags.indices.filter { flags[$0] > 0 }.map { $0 - offset }
            offset += table.shape[0]
        }
        let live = parameters.indices.filter { header[$0] > 0 }.map { parameters[$0] }
        for parameter in live where parameter.grad == nil { parameter.grad = Tensor.zeros(parameter.shape) }
        // Then the gradients: a table whose batch touched few rows by those rows alone, another
        // large one in place, small ones packed into buckets of about gradientBucketSize values
        // (one collective per bucket instead of one per bias).
        var bucket: [Parameter] = []
        var filled = 0
        for (i, parameter) in live.enumerated() {
            let count = parameter.value.count
            if let rows = rowsOfTable[ObjectIdentifier(parameter)], rows.count * 2 < parameter.shape[0] {
                try reduce(rows: rows, of: parameter)
            } else if count >= gradientBucketSize / 64 {
                try parameter.grad!.withUnsafeMutableBufferPointer { try communicator.allReduce($0, .sum) }
            } else {
                bucket.append(parameter)
                filled += count
            }
            if !bucket.isEmpty && (filled >= gradientBucketSize || i == live.count - 1) {
                try reduce(bucket, count: filled)
                bucket.removeAll(keepingCapacity: true)
                filled = 0
            }
        }
    }

    /// Sums the gradients of `bucket` (`count` values in all) over the ranks in one collective.
    private func reduce(_ bucket: [Parameter], count: Int) throws {
        var values = [Float](repeating: 0, count: count)
        var offset = 0
        for parameter in bucket {
            parameter.grad!.withUnsafeBufferPointer { g in
                values.withUnsafeMutableBufferPointer { $0.baseAddress!.advanced(by: offset).update(from: g.baseAddress!, count: g.count) }
            }
            offset += parameter.value.count
        }
        try communicator.allReduce(&values, .sum)
        offset = 0
        for parameter in bucket {
            parameter.grad!.withUnsafeMutableBufferPointer { g in
                values.withUnsafeBufferPointer { g.baseAddress!.update(from: $0.baseAddress!.advanced(by: offset), count: g.count) }
            }
            offset += parameter.value.count
        }
    }

    /// A gradient of many more rows than columns (a word-embedding table), of which a batch
    /// touches few rows: only the rows some rank touched are summed.
    private static func isTable(_ parameter: Parameter) -> Bool {
        parameter.shape.count == 2 && parameter.shape[0] >= max(8 * parameter.shape[1], 256)
    }

    /// 1 for each row of the parameter's gradient that holds a value other than zero, else 0.
    private static func nonzeroRows(of parameter: Parameter) -> [Float] {
        let (rows, columns) = (parameter.shape[0], parameter.shape[1])
        guard let grad = parameter.grad else { return [Float](repeating: 0, count: rows) }
        return grad.withUnsafeBufferPointer { g in
            (0..<rows).map { row in g[row * columns..<(row + 1) * columns].contains { $0 != 0 } ? 1 : 0 }
        }
    }

    /// Sums `rows` of the parameter's gradient over the ranks in one collective; the other rows
    /// are zero on every rank, so their sum is too.
    private func reduce(rows: [Int], of parameter: Parameter) throws {
        let columns = parameter.shape[1]
        var values = [Float](repeating: 0, count: rows.count * columns)
        parameter.grad!.withUnsafeBufferPointer { g in
            values.withUnsafeMutableBufferPointer { v in
                for (i, row) in rows.enumerated() {
                    v.baseAddress!.advanced(by: i * columns).update(from: g.baseAddress!.advanced(by: row * columns), count: columns)
                }
            }
        }
        try communicator.allReduce(&values, .sum)
        parameter.grad!.withUnsafeMutableBufferPointer { g in
            values.withUnsafeBufferPointer { v in
                for (i, row) in rows.enumerated() {
                    g.baseAddress!.advanced(by: row * columns).update(from: v.baseAddress!.advanced(by: i * columns), count: columns)
                }
            }
        }
    }

    /// Whether a stop was asked for on any rank (every rank learns the same answer).
    private func stopRequestedOnAnyRank() throws -> Bool {
        var request: [Float] = [shouldStop?() == true ? 1 : 0]
        try communicator.allReduce(&request, .sum)
        return request[0] > 0
    }
}
