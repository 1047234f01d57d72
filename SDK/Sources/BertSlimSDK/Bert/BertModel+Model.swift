internal import Foundation

/// BERT as the SDK's `Model`: what teachers, students, pruners and quantizers handle.
extension BertModel: Model {
    /// The class names of the classification head (from `config.json`'s `id2label`).
    public var labels: [String] { classifierWeight == nil ? [] : config.labels }

    public func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        try run(batch, request: request, headGates: nil, training: training)
    }

    /// Writes a Hugging Face directory (config.json + model.safetensors).
    public func save(to directory: String) throws {
        try save(to: directory, tokenizerDirectory: nil)
    }

    /// Loads weights saved by ``save(to:)`` into this model; its config must match.
    public func load(from directory: String) throws {
        let path = (directory as NSString).appendingPathComponent("config.json")
        let stored = try BertConfig(path: path)
        guard stored == config else {
            throw BertError.invalidValue(file: path, key: "architecture", reason: "does not match the model it is loaded into")
        }
        try loadWeights(from: SafetensorsFile(path: Self.weightsFile(in: directory)))
    }
}
