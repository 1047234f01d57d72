/// A model whose Linear layers (and embedding tables) send their inputs and weights through a
/// hook: what a quantizer installs fake quantization and range observers on.
public protocol Quantizable: Model {
    /// The hook (nil: none); see ``LinearTransform``.
    var linearTransform: (any LinearTransform)? { get set }
}
