/// Why a safetensors file could not be read or written.
///
/// Every case names the file, and the tensor when one is at fault, so that a message such
/// as `model.safetensors: tensor 'pooler.dense.weight': data_offsets [0, 12] end past the
/// data section (8 bytes)` is enough to find the problem.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened, mapped, written or renamed.
    case io(path: String, reason: String)
    /// The length prefix or the JSON header is unusable.
    case invalidHeader(path: String, reason: String)
    /// One entry of the header is inconsistent (dtype, shape, offsets).
    case invalidTensor(path: String, tensor: String, reason: String)
    /// No tensor of that name is in the file.
    case missingTensor(path: String, tensor: String)
    /// The tensor exists but was asked for as another kind of value.
    case wrongDType(path: String, tensor: String, stored: SafetensorsDType, requested: String)
    /// A value cannot be written (an unsupported dtype, a name clash with `__metadata__`).
    case unsupported(path: String, tensor: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .io(let path, _), .invalidHeader(let path, _), .invalidTensor(let path, _, _),
             .missingTensor(let path, _), .wrongDType(let path, _, _, _), .unsupported(let path, _, _):
            return path
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid safetensors header: \(reason)"
        case .invalidTensor(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        case .missingTensor(let path, let tensor):
            return "\(path): no tensor named '\(tensor)'"
        case .wrongDType(let path, let tensor, let stored, let requested):
            return "\(path): tensor '\(tensor)' is \(stored.rawValue), not \(requested)"
        case .unsupported(let path, let tensor, let reason):
            return "\(path): tensor '\(tensor)': \(reason)"
        }
    }
}
