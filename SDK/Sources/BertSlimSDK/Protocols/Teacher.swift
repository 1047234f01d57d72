/// A trained model whose outputs a student learns from.
///
/// The host calls ``outputs(for:request:)``, which runs without recording gradients; a
/// "fine-tune the teacher" stage trains ``model`` directly.
public protocol Teacher: Component, AnyObject {
    /// The network behind the teacher.
    var model: any Model { get }

    /// The teacher's outputs for `batch`, computed without gradients.
    /// - Parameter request: internals the stage's losses read (hidden states, attention).
    /// - Throws: when the batch does not fit the model.
    func outputs(for batch: Batch, request: OutputRequest) throws -> ModelOutput
}

extension Teacher {
    /// Runs ``model`` in evaluation mode without recording gradients.
    public func outputs(for batch: Batch, request: OutputRequest) throws -> ModelOutput {
        try withoutGradient { try model.forward(batch, request: request, training: false) }
    }
}
