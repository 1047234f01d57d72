/// A model whose Linear weights can be pruned entry by entry: what weight pruners (`magnitude`)
/// ask for. A pruner sets a chosen weight's ``Parameter/mask``; the mask keeps the pruned entries
/// zero in the forward pass (their gradient is zero) and through fine-tuning (every optimizer
/// update is masked again), and the model's folder stores masked weights in sparse form (BERT:
/// `model.sparse.safetensors`, read back with the same masks). At inference a weight that is
/// mostly zeros runs on the sparse kernel (``SparseLinear``).
public protocol WeightMaskable: Model {
    /// The Linear weights (`(out, in)`) that may be masked, by name, in forward order.
    var maskableWeights: [(name: String, parameter: Parameter)] { get }

    /// Writes the model's folder with masked entries stored as zeros and no masks: the folder
    /// other tools load (BERT: `model.safetensors`, which transformers reads).
    func saveDense(to directory: String) throws
}

extension WeightMaskable {
    /// The fraction of the entries of the weights named `names` (all maskable weights when
    /// nil) that are masked.
    public func maskedFraction(of names: Set<String>? = nil) -> Double {
        var (masked, total) = (0, 0)
        for (name, parameter) in maskableWeights where names?.contains(name) ?? true {
            total += parameter.value.count
            masked += parameter.mask.map { $0.scalars.reduce(0) { $0 + ($1 == 0 ? 1 : 0) } } ?? 0
        }
        return total == 0 ? 0 : Double(masked) / Double(total)
    }
}
