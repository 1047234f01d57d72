/// Lowers a model's numeric precision: Q8BERT (quantization-aware int8), Q-BERT (group-wise,
/// Hessian-guided mixed precision), k-means weight sharing.
///
/// A quantize stage calls ``prepare(_:)``, ``calibrate(_:batches:)``, optionally trains
/// (quantization-aware training), then ``convert(_:)``. The converted model stores low-precision weights and runs low-precision
/// kernels: it must be smaller on disk and faster, not merely simulated.
public protocol Quantizer: Component {
    /// Inserts observers and fake-quantization for quantization-aware training (a no-op for
    /// post-training methods).
    /// - Throws: when the model has no layers this quantizer can handle.
    func prepare(_ model: any Model) throws

    /// Runs calibration batches through the prepared model (activation ranges, Hessian traces).
    func calibrate(_ model: any Model, batches: [Batch]) throws

    /// Replaces float weights with low-precision weights and kernels.
    /// - Returns: the converted model (may be `model` itself, changed in place).
    func convert(_ model: any Model) throws -> any Model
}

extension Quantizer {
    /// Nothing to insert.
    public func prepare(_ model: any Model) throws {}

    /// Runs every batch forward without gradients, so that observers see activations.
    public func calibrate(_ model: any Model, batches: [Batch]) throws {
        try withoutGradient {
            for batch in batches { _ = try model.forward(batch, request: [], training: false) }
        }
    }
}
