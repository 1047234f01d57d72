import BertSlimSDK

/// What `results.json` holds: per sweep point, one entry per model version (the starting
/// model, then the model after each stage that changes it) with what was measured on it.
public struct ExperimentResults: Codable, Sendable {
    public var recipe: String
    public var seed: UInt64
    public var points: [PointResult]
}

/// One sweep point.
public struct PointResult: Codable, Sendable {
    /// `p0`, `p1`, …
    public var id: String
    /// The swept values, `finetune.learning_rate=2e-05`, or `default`.
    public var label: String
    public var values: [String: String]
    /// The model after each stage that changed it (the starting model first).
    public var models: [ModelResult]
    /// Export folders, relative to the run folder.
    public var exports: [String]
}

/// One model version and what was measured on it.
public struct ModelResult: Codable, Sendable {
    /// `teacher`, `stages[1].finetune`, or `stages[1].distill.teacher` for a distill stage's own teacher.
    public var origin: String
    /// What the model is when its origin does not say (`ensemble of 3 (combine: logits): …`).
    public var summary: String?
    public var parameters: Int
    /// Bytes of its weight files as saved.
    public var fileBytes: Int
    /// Evaluations by split.
    public var evaluations: [String: ClassificationMetrics] = [:]
    /// Median latency in milliseconds by batch size (as text keys, for JSON).
    public var latencyMs: [String: Double] = [:]
    /// Threads the latency was measured with.
    public var threads: Int?
    /// Training loss per step, for the stage that made this model.
    public var losses: [Float] = []
    /// Dev metrics after each training epoch.
    public var epochs: [ClassificationMetrics] = []
    /// For a prune stage's model: what each step removed and measured.
    public var pruning: PruningHistory?

    /// The evaluation the report shows: test when there is one, else dev.
    public var headline: (split: String, metrics: ClassificationMetrics)? {
        if let test = evaluations["test"] { return ("test", test) }
        if let dev = evaluations["dev"] { return ("dev", dev) }
        return epochs.last.map { ("dev", $0) }
    }
}

/// What a finished stage leaves in its folder (`result.json`), so that a later run or sweep
/// point with the same stage prefix reuses it instead of running it again.
struct StageRecord: Codable {
    var type: String
    /// Set when the stage made a new model (saved in the stage's `model/` folder).
    var model: ModelResult? = nil
    /// A distill stage's teacher when it is not the stage's model (an ensemble), as evaluated.
    var teacher: ModelResult? = nil
    var evaluation: [String: ClassificationMetrics]? = nil
    var latencyMs: [String: Double]? = nil
    var threads: Int? = nil
    var export: String? = nil
    var seconds: Double = 0
}
