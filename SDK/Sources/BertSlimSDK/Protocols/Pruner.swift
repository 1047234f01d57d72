/// Removes structure from a model: attention heads (Sixteen Heads, LRP, L0 gates), FFN neurons,
/// single weights (magnitude).
///
/// A prune stage calls ``score(_:batches:)`` then ``prune(_:scores:target:)`` once per step
/// of its schedule. Structured pruning (heads, FFN neurons) physically removes rows and
/// columns, so the model really is smaller and faster, and records what it removed so a saved
/// model reloads.
///
/// The contract the host and reports rely on:
/// - **Score groups.** Head pruners key their scores with ``PruningScores/headGroup(layer:)``
///   (`encoder.layer.N.attention.heads`): one score per head the layer *still has*, in
///   ``HeadPrunable/remainingHeads`` order (removed heads have no score). The report draws its
///   layer × head map from these groups; other granularities name their own groups.
/// - **Target.** `target` is the fraction of the selected structure's *original* size that is
///   gone after this step (cumulative: step 2 of a schedule to 0.5 may pass 0.3, then 0.5). A
///   target already met removes nothing.
/// - **Result.** ``PruningResult/removed`` lists what *this step* removed, by group (for heads:
///   original head numbers).
/// - **Selection.** The stage's `select:` block arrives as ``ComponentContext/selection``; a
///   head pruner prunes layer N when the selection matches
///   `encoder.layer.N.attention.self.query.weight`, and counts the target over those layers.
/// - **Never empty.** A layer keeps at least one head (transformers cannot run a layer without
///   heads, and ``HeadPrunable/pruneHeads(_:)`` refuses to remove the last one).
public protocol Pruner: Component {
    /// What the pruner removes (default: attention heads). The prune stage and the report
    /// measure and name the fraction removed by it.
    static var granularity: PruningGranularity { get }

    /// Importance of every prunable structure (higher means keep).
    /// - Parameter batches: data for data-driven scores (may be ignored, e.g. by magnitude).
    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores

    /// Prunes `model` until `target` of its prunable structure is gone.
    /// - Parameters:
    ///   - scores: from ``score(_:batches:)``.
    ///   - target: the fraction (0...1) removed after this step, from the stage's schedule.
    /// - Returns: what was removed.
    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult
}

extension Pruner {
    public static var granularity: PruningGranularity { .heads }
}

/// The structure a pruner removes.
public enum PruningGranularity: String, Sendable, CaseIterable {
    /// Attention heads (``HeadPrunable``): whole weight matrices of a head.
    case heads
    /// FFN neurons (``NeuronPrunable``): rows and columns of the feed-forward matrices.
    case neurons
    /// Single weights (``WeightMaskable``): entries of Linear weight matrices, masked.
    case weights

    /// How reports name the fraction removed: "attention heads", "FFN neurons", "weights".
    public var noun: String {
        switch self {
        case .heads: return "attention heads"
        case .neurons: return "FFN neurons"
        case .weights: return "weights"
        }
    }
}

/// Importance scores per structure group, e.g. `encoder.layer.3.attention.heads` → `(12)`.
public struct PruningScores {
    /// Scores keyed by structure group.
    public var groups: [String: Tensor]

    /// Scores from their groups.
    public init(_ groups: [String: Tensor] = [:]) { self.groups = groups }

    /// The group of layer `layer`'s attention heads, `encoder.layer.<layer>.attention.heads`:
    /// one score per remaining head (see ``Pruner``).
    public static func headGroup(layer: Int) -> String { "encoder.layer.\(layer).attention.heads" }
}

/// What a pruning step removed.
public struct PruningResult {
    /// Indices removed per structure group (e.g. head numbers per layer).
    public var removed: [String: [Int]]
    /// Parameter values before and after the step.
    public var parameterCountBefore: Int
    /// Parameter values after the step.
    public var parameterCountAfter: Int
    /// The fraction of the pruner's structure (its selection, at its granularity) removed so
    /// far, against the original size; nil lets the stage measure it (heads).
    public var fraction: Double?

    /// A result from its parts.
    public init(removed: [String: [Int]], parameterCountBefore: Int, parameterCountAfter: Int) {
        self.removed = removed
        self.parameterCountBefore = parameterCountBefore
        self.parameterCountAfter = parameterCountAfter
    }

    /// A result that states the fraction removed so far.
    public init(removed: [String: [Int]], parameterCountBefore: Int, parameterCountAfter: Int, fraction: Double) {
        self.init(removed: removed, parameterCountBefore: parameterCountBefore, parameterCountAfter: parameterCountAfter)
        self.fraction = fraction
    }
}
