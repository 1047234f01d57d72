/// Why a recipe block could not become a component's settings. The description starts with
/// the key path, e.g. `stages[1].loss.temperatur: unknown key (known: temperature, alpha)`.
public enum SettingsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The block sets a key the component does not have.
    case unknownKey(path: String, known: [String])
    /// A value has the wrong type or fails the key's check.
    case invalidValue(path: String, reason: String)

    /// The key path the error is about (`""` for the block itself).
    public var path: String {
        switch self {
        case .unknownKey(let path, _), .invalidValue(let path, _): return path
        }
    }

    /// One line: key path, then what is wrong.
    public var description: String {
        let place = path.isEmpty ? "settings" : path
        switch self {
        case .unknownKey(_, let known):
            let list = known.isEmpty ? "this component takes no settings" : "known: " + known.joined(separator: ", ")
            return "\(place): unknown key (\(list))"
        case .invalidValue(_, let reason):
            return "\(place): \(reason)"
        }
    }

    /// The same error with `prefix` (e.g. `stages[1].loss`) put in front of its key path, for
    /// blocks decoded on their own and reported inside a larger document.
    public func prefixed(by prefix: String) -> SettingsError {
        guard !prefix.isEmpty else { return self }
        let joined = path.isEmpty ? prefix : (path.hasPrefix("[") ? prefix + path : prefix + "." + path)
        switch self {
        case .unknownKey(_, let known): return .unknownKey(path: joined, known: known)
        case .invalidValue(_, let reason): return .invalidValue(path: joined, reason: reason)
        }
    }

    /// Renders a coding path the way recipes are written: `stages[1].loss.alpha`.
    public static func render(_ codingPath: [CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text
    }

    /// The settings error for a `DecodingError` raised while decoding a block (a decoder
    /// that wraps a ``SettingsError`` thrown inside, as Yams does, gives that error back).
    /// - Parameter expected: what was expected, e.g. `Float` or `one of: mean, sum`.
    public init(_ error: DecodingError, expected: String? = nil) {
        if case .dataCorrupted(let context) = error {
            if let inner = context.underlyingError as? SettingsError {
                self = inner
                return
            }
            if let inner = context.underlyingError as? DecodingError {
                self.init(inner, expected: expected)
                return
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self = .invalidValue(path: Self.render(context.codingPath),
                                 reason: "expected \(expected ?? settingTypeName(type))")
        case .valueNotFound(let type, let context):
            self = .invalidValue(path: Self.render(context.codingPath),
                                 reason: "expected \(expected ?? settingTypeName(type)), found null")
        case .keyNotFound(let key, let context):
            self = .invalidValue(path: Self.render(context.codingPath + [key]), reason: "missing")
        case .dataCorrupted(let context):
            self = .invalidValue(path: Self.render(context.codingPath),
                                 reason: expected.map { "expected \($0)" } ?? context.debugDescription)
        @unknown default:
            self = .invalidValue(path: "", reason: String(describing: error))
        }
    }
}
