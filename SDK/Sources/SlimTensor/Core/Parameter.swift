/// A trainable tensor: its value and the gradient accumulated by `backward()`.
///
/// Parameters are reference types so that a model, its optimizer and the autograd graph
/// all see the same object. Names follow Hugging Face (`encoder.layer.0.attention.self.query.weight`).
public final class Parameter {
    /// The current value. Optimizers update it in place.
    public var value: Tensor {
        didSet {
            precondition(value.shape == leaf.shape || grad == nil,
                         "cannot reshape parameter from \(leaf.shape) to \(value.shape) with a gradient pending")
            precondition(mask == nil || mask!.shape == value.shape,
                         "cannot give a parameter with a \(mask!.shape) mask the shape \(value.shape); change the mask first")
            if value.shape != leaf.shape { leaf = GradNode(leafShape: value.shape, parameter: self) }
            value = value.detached
            if let mask { value.multiplyInPlace(by: mask) }
        }
    }
    /// A pruning mask (1 keep, 0 pruned) of the value's shape, or nil. While it is set the
    /// masked entries are zero: setting it zeroes them, ops see `value ⊙ mask` (so their
    /// gradient is zero), and every write to ``value`` — an optimizer's in-place update too —
    /// zeroes them again.
    public var mask: Tensor? {
        didSet {
            precondition(mask == nil || mask!.shape == value.shape, "mask \(mask!.shape) for a parameter of shape \(value.shape)")
            mask = mask?.detached
            value = value.detached  // value's observer applies the mask
        }
    }
    /// Sum of gradients since the last ``zeroGrad()``; nil when none arrived.
    public var grad: Tensor?
    /// Whether optimizers and `backward()` treat it as trainable.
    public var requiresGrad: Bool
    private var leaf: GradNode!

    /// A parameter holding `value`.
    public init(_ value: Tensor, requiresGrad: Bool = true) {
        self.value = value.detached
        self.requiresGrad = requiresGrad
        leaf = GradNode(leafShape: value.shape, parameter: self)
    }

    /// The value as a tensor that records gradients into this parameter when used in ops.
    @inlinable public var tensor: Tensor { tracked() }

    @usableFromInline func tracked() -> Tensor {
        guard requiresGrad, GradMode.isEnabled else { return value }
        let leafTensor = Tensor(shape: value.shape, storage: value.storage, node: leaf)
        return mask.map { leafTensor * $0 } ?? leafTensor
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Forgets the accumulated gradient.
    public func zeroGrad() { grad = nil }

    /// grad += g (the gradient owns its storage, never shared with a graph tensor).
    public func accumulateGradient(_ g: Tensor) {
        precondition(g.shape == value.shape, "gradient shape \(g.shape) does not match parameter \(value.shape)")
        if grad == nil {
            grad = g.copy()
        } else {
            grad!.withUnsafeMutableBufferPointer { dst in
                g.withUnsafeBufferPointer { src in slimAxpy(1, src, dst) }
            }
        }
    }

    /// Adds `rows` of `g` (shape `(rows.count, width)`) into rows of the gradient: the
    /// sparse-friendly accumulation used by embedding lookups.
    public func accumulateGradientRows(_ rows: [Int32], _ g: Tensor) {
        let width = value.count / max(value.shape.first ?? 1, 1)
        precondition(g.count == rows.count * width, "row gradient \(g.shape) for \(rows.count) rows of width \(width)")
        if grad == nil { grad = .zeros(value.shape) }
        grad!.withUnsafeMutableBufferPointer { dst in
            g.withUnsafeBufferPointer { src in
                for (i, row) in rows.enumerated() {
                    let d = dst.baseAddress! + Int(row) * width, s = src.baseAddress! + i * width
                    for j in 0..<width { d[j] += s[j] }
                }
            }
        }
    }
}
