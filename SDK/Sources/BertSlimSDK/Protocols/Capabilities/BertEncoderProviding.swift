/// A model that runs a BERT encoder (BERT itself; a student wrapping one): what techniques that
/// rebuild or copy the encoder's weights ask for: Q8BERT's conversion to an int8 model, a
/// student initialised from a teacher's layers.
public protocol BertEncoderProviding: Model {
    /// The BERT network the model runs (the model itself for ``BertModel``).
    var bertEncoder: BertModel { get }
}
