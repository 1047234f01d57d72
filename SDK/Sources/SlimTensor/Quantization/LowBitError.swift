/// Why packed low-bit weights could not be made or read.
///
/// Each case names what is at fault, so that a message such as
/// `model.safetensors: tensor 'encoder.layer.0.attention.self.query.weight_scale': 11 values, the
/// declared 12 groups need 12` is enough to find the problem.
public enum LowBitError: Error, CustomStringConvertible, Equatable {
    /// A declared setting cannot describe the weight: bits outside {2, 3, 4, 8}, groups that
    /// do not divide the rows. `name` is the Linear layer's (or a key path).
    case invalidSpec(name: String, reason: String)
    /// A tensor does not match the declared bits, groups or shape, or holds unusable values.
    /// `path` is the file (empty for values made in memory).
    case invalidTensor(path: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSpec(let name, let reason):
            return "\(name): \(reason)"
        case .invalidTensor(let path, let tensor, let reason):
            return path.isEmpty ? "tensor '\(tensor)': \(reason)" : "\(path): tensor '\(tensor)': \(reason)"
        }
    }
}
