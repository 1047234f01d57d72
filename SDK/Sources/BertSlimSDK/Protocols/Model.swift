/// A network that maps a ``Batch`` to a ``ModelOutput``: BERT, the BiLSTM and logistic
/// regression are Models. A ``Teacher`` wraps one; a ``Student`` is one.
///
/// Techniques that need more than this (pruning heads, quantizing linear layers) ask for
/// capability protocols on top of it rather than for a concrete class, so the host and other
/// plugins stay independent of any one architecture.
public protocol Model: AnyObject {
    /// Every parameter by its Hugging Face name (`encoder.layer.3.attention.self.query.weight`),
    /// in a stable order. Optimizers, selectors and checkpoints all key on these names.
    var namedParameters: [(name: String, parameter: Parameter)] { get }

    /// Runs the model on `batch`.
    ///
    /// Records autograd when gradients are enabled (that is, outside `withoutGradient`).
    /// - Parameters:
    ///   - batch: padded token ids, mask and segment ids.
    ///   - request: which internals (hidden states, attention) to keep in the output.
    ///   - training: true to apply dropout and other training-only behaviour.
    /// - Returns: logits and the requested internals.
    /// - Throws: when the batch does not fit the model (e.g. longer than its positions).
    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput

    /// Writes weights and configuration (including removed structure) into `directory`,
    /// creating it when missing.
    /// - Throws: file-system errors, naming the path.
    func save(to directory: String) throws

    /// Replaces the weights with those saved by ``save(to:)`` in `directory`.
    /// - Throws: when the files are missing or do not match the model's shapes.
    func load(from directory: String) throws

    /// Class names in logit order; empty for a model without a classification head.
    var labels: [String] { get }
}

extension Model {
    /// No classification head.
    public var labels: [String] { [] }

    /// Number of trainable values, summed over ``namedParameters``.
    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }

    /// The parameter called `name`, if the model has one.
    public func parameter(named name: String) -> Parameter? {
        namedParameters.first { $0.name == name }?.parameter
    }
}

/// A trainable model that a stage distils into, fine-tunes, prunes or quantizes.
///
/// BERT students (4- or 6-layer, initialised from a teacher), the BiLSTM student and the
/// logistic-regression student are all Students.
public protocol Student: Model, Component {}
