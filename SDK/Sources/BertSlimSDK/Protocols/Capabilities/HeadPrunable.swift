/// A model whose attention heads can be gated and physically removed: what head pruners
/// (Sixteen Heads, hard-concrete gates) ask for, so that they work with any architecture
/// that offers it rather than with one concrete class.
public protocol HeadPrunable: Model {
    /// The heads each layer still has, as original head numbers in ascending order
    /// (a layer that lost heads 1 and 4 of 6 reads `[0, 2, 3, 5]`).
    var remainingHeads: [[Int]] { get }

    /// Heads per layer before any pruning.
    var originalHeadCount: Int { get }

    /// Runs the model with a gate per head: `headGates[l]` has one value per remaining
    /// head of layer `l` (in ``remainingHeads`` order) and multiplies that head's attention
    /// probabilities (Michel et al. 2019's ξ; ones leave the output unchanged). Gradients
    /// reach the gates when they are parameters' tensors.
    /// - Throws: when the gates do not match the layout or the batch does not fit the model.
    func forward(_ batch: Batch, request: OutputRequest, headGates: [Tensor], training: Bool) throws -> ModelOutput

    /// Physically removes heads: `heads[l]` lists original head numbers to remove from layer
    /// `l`; ones already removed are ignored (transformers' `prune_heads` semantics).
    /// - Throws: when a layer or head number is out of range or a layer would lose its last head.
    func pruneHeads(_ heads: [Int: [Int]]) throws
}

extension HeadPrunable {
    /// Heads left over all layers.
    public var headCount: Int { remainingHeads.reduce(0) { $0 + $1.count } }
}
