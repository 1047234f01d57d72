/// A model stored at low precision that can give back the float model its values stand for:
/// `bertslim export --dequantize` saves that one, as a folder other tools read (a Hugging Face
/// BERT for BERT models).
public protocol Dequantizable: Model {
    /// The float model (every weight decoded; nothing trains or runs faster).
    func dequantizedModel() throws -> any Model
}
