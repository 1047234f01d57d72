/// A config, checkpoint or model directory that cannot be used. Every case names the file,
/// and the key or tensor at fault.
public enum BertError: Error, CustomStringConvertible, Equatable {
    /// The file cannot be read, or is not what it should be (not JSON, not a regular file).
    case unreadable(file: String, reason: String)
    /// `config.json` lacks a key that has no default.
    case missingKey(file: String, key: String)
    /// A key's value has the wrong type or is out of range.
    case invalidValue(file: String, key: String, reason: String)
    /// The checkpoint lacks a tensor the config calls for.
    case missingTensor(file: String, name: String)
    /// A tensor's shape differs from what the config calls for.
    case shapeMismatch(file: String, name: String, expected: [Int], found: [Int])
    /// A config key disagrees with the checkpoint beside it: `found` says what the
    /// checkpoint holds (e.g. `tensor 'embeddings.word_embeddings.weight' has shape [30522, 384]`).
    case configMismatch(file: String, key: String, value: Int, checkpoint: String, found: String)
    /// A batch longer than the model's position table (`max_position_embeddings`).
    case sequenceTooLong(tokens: Int, positions: Int)
    /// A token (or segment) id past the model's embedding table: the tokenizer's vocabulary
    /// is larger than `vocab_size`.
    case tokenOutOfRange(id: Int, vocabulary: Int)
    /// A segment id past the model's token-type table (a sentence pair for a model with
    /// `type_vocab_size` 1).
    case segmentOutOfRange(id: Int, types: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): \(reason)"
        case let .missingKey(file, key): return "\(file): required key '\(key)' is missing"
        case let .invalidValue(file, key, reason): return "\(file): \(key): \(reason)"
        case let .missingTensor(file, name): return "\(file): tensor '\(name)' is missing"
        case let .shapeMismatch(file, name, expected, found):
            return "\(file): tensor '\(name)' has shape \(found), the config needs \(expected)"
        case let .configMismatch(file, key, value, checkpoint, found):
            return "\(file): \(key) is \(value), but \(checkpoint) does not match: \(found)"
        case let .sequenceTooLong(tokens, positions):
            return "a batch of \(tokens) tokens is longer than the model's max_position_embeddings (\(positions))"
        case let .tokenOutOfRange(id, vocabulary):
            return "token id \(id) is past the model's embedding table of \(vocabulary) rows "
                + "(is vocab.txt longer than config.json's vocab_size?)"
        case let .segmentOutOfRange(id, types):
            return "segment id \(id) is past the model's type_vocab_size (\(types))"
        }
    }
}
