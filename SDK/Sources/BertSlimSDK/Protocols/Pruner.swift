/// Removes structure from a model: Sixteen Heads (head importance), LRP / L0 gates, magnitude
/// pruning.
///
/// A prune stage calls ``score(_:batches:)`` then ``prune(_:scores:target:)`` once per step
/// of its schedule. Structured pruning (heads, FFN neurons) physically removes rows and
/// columns, so the model really is smaller and faster, and records what it removed so a saved
/// model reloads.
public protocol Pruner: Component {
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

/// Importance scores per structure group, e.g. `encoder.layer.3.attention.heads` → `(12)`.
public struct PruningScores {
    /// Scores keyed by structure group.
    public var groups: [String: Tensor]

    /// Scores from their groups.
    public init(_ groups: [String: Tensor] = [:]) { self.groups = groups }
}

/// What a pruning step removed.
public struct PruningResult {
    /// Indices removed per structure group (e.g. head numbers per layer).
    public var removed: [String: [Int]]
    /// Parameter values before and after the step.
    public var parameterCountBefore: Int
    /// Parameter values after the step.
    public var parameterCountAfter: Int

    /// A result from its parts.
    public init(removed: [String: [Int]], parameterCountBefore: Int, parameterCountAfter: Int) {
        self.removed = removed
        self.parameterCountBefore = parameterCountBefore
        self.parameterCountAfter = parameterCountAfter
    }
}
