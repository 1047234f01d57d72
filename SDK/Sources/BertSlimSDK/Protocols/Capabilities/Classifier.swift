/// A model with a classification head that can be added when it has none: what fine-tuning
/// and quantization-aware training from a pretrained encoder ask for.
public protocol Classifier: Model {
    /// Whether the model has a head (its ``Model/labels`` name the classes).
    var hasClassifier: Bool { get }
    /// Gives the model a fresh head for `labels`, its weights drawn from `seed`.
    func addClassifier(labels: [String], seed: UInt64)
}
