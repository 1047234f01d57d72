import BertSlimSDK

/// What a prune stage did, step by step (in `results.json` under the model it made).
public struct PruningHistory: Codable, Sendable {
    /// The split evaluated after each step (nil: none).
    public var split: String?
    /// Step 0 (the unpruned model) first, then one entry per step run.
    public var steps: [PruningStep]
    /// Head importance from the first scoring, layer × original head (nil where a head was
    /// already gone), for models whose heads can be pruned.
    public var headImportance: [[Double?]]?
    /// Why the stage ended before its last step (nil: it ran every step).
    public var stopReason: String?
    /// The step whose model the stage kept (the last one meeting `stop_below`).
    public var keptStep: Int
    /// The pruner component (`lrp-heads`), so that a sweep over pruners reads by method
    /// (nil in results written before it was recorded).
    public var pruner: String? = nil
    /// What the pruner removes: `heads`, `neurons` or `weights` (nil in older results: heads).
    public var granularity: String? = nil

    /// How reports name the structure removed ("attention heads" for older results).
    public var structureNoun: String { (granularity.flatMap(PruningGranularity.init(rawValue:)) ?? .heads).noun }
}

/// One pruning step and the model after it.
public struct PruningStep: Codable, Sendable {
    /// 0 for the unpruned model.
    public var step: Int
    /// The schedule's target fraction for this step.
    public var target: Double
    /// Fraction of all attention heads removed so far (nil: the model has no prunable heads).
    public var headFraction: Double?
    /// Heads left over all layers (nil: not a head-prunable model).
    public var heads: Int?
    /// Trainable values after the step.
    public var parameters: Int
    /// What this step removed, by structure group.
    public var removed: [String: [Int]]
    /// The evaluation right after pruning.
    public var pruned: ClassificationMetrics?
    /// The evaluation after the step's fine-tuning.
    public var finetuned: ClassificationMetrics?
    /// Seconds the pruner spent scoring before this step (nil for step 0 and older results).
    public var scoringSeconds: Double? = nil
    /// Fraction of the pruner's structure removed so far (``PruningResult/fraction``; for head
    /// pruners the fraction of heads). Nil for step 0 of a weight or neuron pruner, which the
    /// report draws at 0, and in older results (read ``removedFraction``).
    public var fraction: Double? = nil

    /// ``fraction``, or the fraction of heads in results written before it.
    public var removedFraction: Double? { fraction ?? headFraction }

    /// The metrics the stop rule and the report use: after fine-tuning when there was some.
    public var final: ClassificationMetrics? { finetuned ?? pruned }
}
