import BertSlimSDK

/// The training keys shared by `finetune` and `distill` stages.
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

/// `finetune:` — trains the current model (adding a classification head for the data's
/// labels when it has none) with cross-entropy on the training split.
public struct FinetuneStage: ComponentSettings, Equatable {
    public var training = TrainingBlock()
    public init() {}
    public static var keys: [SettingKey<FinetuneStage>] { TrainingBlock.trainingKeys(\.training) }
}

/// `distill:` — trains a student on a weighted sum of losses against the current model
/// (the teacher). The student becomes the next stage's model.
public struct DistillStage: ComponentSettings, Equatable {
    /// When the teacher runs.
    public enum TeacherOutputs: String, Decodable, CaseIterable, Equatable {
        /// Cached, unless the student or a loss says it needs online outputs
        /// (`OnlineTeacherOutputs`).
        case auto
        /// Once per training example, reused every epoch.
        case cached
        /// On every batch.
        case online
    }

    public var student = ComponentReference()
    public var losses: [ComponentReference] = []
    public var training = TrainingBlock()
    public var teacherOutputs = TeacherOutputs.auto
    public init() {}
    public static var keys: [SettingKey<DistillStage>] {
        [SettingKey("student", \.student, "{component: name, settings: {…}} or {model: folder}"),
         SettingKey("losses", \.losses, "[{component: name, weight: schedule, settings: {…}}, …]"),
         SettingKey("teacher_outputs", \.teacherOutputs,
                    "auto: computed once per example and reused each epoch unless a component needs them online; cached; online")]
            + TrainingBlock.trainingKeys(\.training)
    }
}

/// `prune:` — scores and removes structure with a pruner, reaching `sparsity` over `steps`.
/// With `evaluate:` it scores a split before the first and after every step and stops early
/// (keeping the last model that met it) when the accuracy falls below `stop_below` × the
/// unpruned model's; with `finetune:` it trains after every step.
public struct PruneStage: ComponentSettings, Equatable {
    public var pruner = ComponentReference()
    public var select = ParameterSelector()
    public var sparsity = Schedule.constant(0.5)
    public var steps = 1
    public var calibrationBatches = 8
    /// Split scored before pruning and after every step (nil: none, and no early stop).
    public var evaluate: DataSplit?
    /// Stop when the accuracy falls below this fraction of the unpruned model's.
    public var stopBelow = 0.9
    /// Training after every pruning step (nil: none).
    public var finetune: TrainingBlock?
    public init() {}
    public static var keys: [SettingKey<PruneStage>] { [
        SettingKey("pruner", \.pruner, "{component: name, settings: {…}}"),
        SettingKey("select", \.select, "which parameters: {names: [name or re:pattern, …], exclude: […]}"),
        SettingKey("sparsity", \.sparsity, "fraction removed (0...1), a number or a schedule over the steps",
                   valid: { (0...1).contains($0.range.lowerBound) && (0...1).contains($0.range.upperBound) ? nil : "\($0) is not in 0...1" }),
        SettingKey("steps", \.steps, "pruning steps (the schedule is read at each)", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
        SettingKey("calibration_batches", \.calibrationBatches, "training batches the pruner scores with",
                   valid: { $0 >= 0 ? nil : "\($0) must not be negative" }),
        SettingKey("evaluate", \.evaluate, "split scored before pruning and after every step (train, dev or test)"),
        SettingKey("stop_below", \.stopBelow, "with evaluate: stop when accuracy < this × the unpruned model's (0: never)",
                   valid: { (0...1).contains($0) ? nil : "\($0) is not in 0...1" }),
        SettingKey("finetune", \.finetune, "training after every step: {epochs, batch_size, learning_rate, …} as in finetune"),
    ] }
}

/// `quantize:` — prepares and calibrates the model with a quantizer, optionally trains it
/// (quantization-aware training: set `epochs` and the other training keys, as in
/// `finetune`), and converts it.
public struct QuantizeStage: ComponentSettings, Equatable {
    public var quantizer = ComponentReference()
    public var select = ParameterSelector()
    public var calibrationBatches = 8
    /// Training between calibrate and convert; none unless the recipe sets `epochs`.
    public var training: TrainingBlock = {
        var block = TrainingBlock()
        block.settings.epochs = 0
        return block
    }()
    public init() {}
    public static var keys: [SettingKey<QuantizeStage>] {
        [SettingKey("quantizer", \.quantizer, "{component: name, settings: {…}}"),
         SettingKey("select", \.select, "which parameters: {names: [name or re:pattern, …], exclude: […]}"),
         SettingKey("calibration_batches", \.calibrationBatches, "training batches for calibration",
                    valid: { $0 >= 0 ? nil : "\($0) must not be negative" })]
            + TrainingBlock.trainingKeys(\.training)
    }
}

/// `evaluate:` — accuracy and F1 of the current model on a split.
public struct EvaluateStage: ComponentSettings, Equatable {
    public var split = DataSplit.dev
    public var batchSize = 64
    public init() {}
    public static var keys: [SettingKey<EvaluateStage>] { [
        SettingKey("split", \.split, "which data to score"),
        SettingKey("batch_size", \.batchSize, "examples per forward pass", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
    ] }
}

/// `export:` — writes the current model as a Hugging Face folder under `exports/<name>`.
public struct ExportStage: ComponentSettings, Equatable {
    public var name: String?
    public init() {}
    public static var keys: [SettingKey<ExportStage>] { [
        SettingKey("name", \.name, "folder name under exports/ (default: the stage's number and the model's origin)",
                   valid: { $0.map { !$0.isEmpty && !$0.contains("/") && $0 != ".." } ?? true ? nil : "must be a plain folder name" }),
    ] }
}

/// `benchmark:` — median inference latency of the current model, in process.
public struct BenchmarkStage: ComponentSettings, Equatable {
    public var batchSizes = [1, 8]
    public var sequenceLength = 128
    public var warmup = 3
    public var runs = 10
    public var threads: Int?
    public init() {}
    public static var keys: [SettingKey<BenchmarkStage>] { [
        SettingKey("batch_sizes", \.batchSizes, "batch sizes to time",
                   valid: { !$0.isEmpty && $0.allSatisfy { (1...1024).contains($0) } ? nil : "must be a non-empty list of sizes in 1...1024" }),
        SettingKey("sequence_length", \.sequenceLength, "tokens per example", valid: { (2...4096).contains($0) ? nil : "\($0) is not in 2...4096" }),
        SettingKey("warmup", \.warmup, "untimed runs first", valid: { $0 >= 0 ? nil : "\($0) must not be negative" }),
        SettingKey("runs", \.runs, "timed runs (the median is reported)", valid: { (1...10_000).contains($0) ? nil : "\($0) is not in 1...10000" }),
        SettingKey("threads", \.threads, "worker threads (default: the process's)", valid: positive),
    ] }
}

/// One entry of `stages:`, a single-key block naming its type.
public enum RecipeStage: Equatable {
    case finetune(FinetuneStage)
    case distill(DistillStage)
    case prune(PruneStage)
    case quantize(QuantizeStage)
    case evaluate(EvaluateStage)
    case export(ExportStage)
    case benchmark(BenchmarkStage)

    /// The stage types, as recipes write them.
    public static let types = ["finetune", "distill", "prune", "quantize", "evaluate", "export", "benchmark"]

    /// `finetune`, `prune`, …
    public var type: String {
        switch self {
        case .finetune: return "finetune"
        case .distill: return "distill"
        case .prune: return "prune"
        case .quantize: return "quantize"
        case .evaluate: return "evaluate"
        case .export: return "export"
        case .benchmark: return "benchmark"
        }
    }

    /// Whether the stage changes the model (and so starts a new row in the report).
    public var changesModel: Bool {
        switch self {
        case .finetune, .distill, .prune, .quantize: return true
        case .evaluate, .export, .benchmark: return false
        }
    }
}

extension RecipeStage: Decodable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: SettingsCodingKey.self)
        let keys = container.allKeys
        guard keys.count == 1, let key = keys.first else {
            throw SettingsError.invalidValue(path: SettingsError.render(decoder.codingPath),
                                             reason: "a stage is one block named by its type (one of: \(Self.types.joined(separator: ", ")))")
        }
        switch key.stringValue {
        case "finetune": self = .finetune(try container.decode(FinetuneStage.self, forKey: key))
        case "distill": self = .distill(try container.decode(DistillStage.self, forKey: key))
        case "prune": self = .prune(try container.decode(PruneStage.self, forKey: key))
        case "quantize": self = .quantize(try container.decode(QuantizeStage.self, forKey: key))
        case "evaluate": self = .evaluate(try container.decode(EvaluateStage.self, forKey: key))
        case "export": self = .export(try container.decode(ExportStage.self, forKey: key))
        case "benchmark": self = .benchmark(try container.decode(BenchmarkStage.self, forKey: key))
        default:
            throw SettingsError.unknownKey(path: SettingsError.render(decoder.codingPath + [key]), known: Self.types)
        }
    }
}
