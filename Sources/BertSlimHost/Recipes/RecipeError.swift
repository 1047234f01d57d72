import BertSlimSDK
import Yams

/// A place in a recipe file, 1-based as editors count.
public struct RecipeLocation: Equatable, Sendable, CustomStringConvertible {
    /// The recipe file.
    public var file: String
    /// Line, from 1.
    public var line: Int
    /// Column, from 1.
    public var column: Int

    /// A location from its parts.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `recipe.yaml:12:5`.
    public var description: String { "\(file):\(line):\(column)" }
}

/// Why a recipe cannot run, found before any work starts. The description reads
/// `recipe.yaml:12:7: stages[1].prune.sparsity: 1.3 is not in 0...1`.
public enum RecipeError: Error, CustomStringConvertible, Equatable {
    /// The file is not YAML, or not readable.
    case syntax(file: String, reason: String, at: RecipeLocation?)
    /// A block sets a key it does not have.
    case unknownKey(path: String, known: [String], at: RecipeLocation?)
    /// A value has the wrong type, is out of range, or is missing.
    case invalidValue(path: String, reason: String, at: RecipeLocation?)
    /// No loaded plugin provides the named component.
    case unknownComponent(path: String, kind: ComponentKind, name: String, known: [String], at: RecipeLocation?)
    /// A file or folder the recipe names does not exist.
    case missingFile(path: String, file: String, at: RecipeLocation?)
    /// A stage works on a model, but no stage before it made one and there is no teacher.
    case needsModel(path: String, stage: String, at: RecipeLocation?)

    /// The key path the error is about (`stages[1].prune.sparsity`).
    public var path: String {
        switch self {
        case .syntax: return ""
        case .unknownKey(let path, _, _), .invalidValue(let path, _, _), .unknownComponent(let path, _, _, _, _),
             .missingFile(let path, _, _), .needsModel(let path, _, _):
            return path
        }
    }

    /// Where in the file, when known.
    public var location: RecipeLocation? {
        switch self {
        case .syntax(_, _, let at), .unknownKey(_, _, let at), .invalidValue(_, _, let at),
             .unknownComponent(_, _, _, _, let at), .missingFile(_, _, let at), .needsModel(_, _, let at):
            return at
        }
    }

    /// One line: location, key path, what is wrong.
    public var description: String {
        let message: String
        switch self {
        case let .syntax(file, reason, at):
            return "\(at.map(\.description) ?? file): \(reason)"
        case let .unknownKey(_, known, _):
            message = "unknown key (known: \(known.joined(separator: ", ")))"
        case let .invalidValue(_, reason, _):
            message = reason
        case let .unknownComponent(_, kind, name, known, _):
            let list = known.isEmpty ? "no loaded plugin provides a \(kind.rawValue)" : "known: " + known.joined(separator: ", ")
            message = "no \(kind.rawValue) component '\(name)' (\(list))"
        case let .missingFile(_, file, _):
            message = "\(file): no such file or folder"
        case let .needsModel(_, stage, _):
            message = "the \(stage) stage needs a model, but none exists yet (add a `teacher:` block, or a stage that makes one, before it)"
        }
        return "\(location.map { "\($0): " } ?? "")\(path.isEmpty ? "recipe" : path): \(message)"
    }

    /// The recipe error for a settings error, located in `document`.
    static func settings(_ error: SettingsError, in document: RecipeDocument) -> RecipeError {
        switch error {
        case let .unknownKey(path, known):
            return .unknownKey(path: path, known: known, at: document.location(of: path, key: true))
        case let .invalidValue(path, reason):
            var said = reason
            // "expected Int" alone hid that `epochs: "1"` was a string; say what was written.
            if reason.hasPrefix("expected "), !reason.contains(", found"), let node = document.node(at: path),
               let found = describeFound(node) {
                said += ", found " + found
            }
            return .invalidValue(path: path, reason: said, at: document.location(of: path))
        @unknown default:
            return .invalidValue(path: error.path, reason: error.description, at: document.location(of: error.path))
        }
    }
}

/// A recipe value as an error shows it: a quoted or non-numeric scalar as `the string "…"`,
/// a number as written, a block or a list by its kind.
func describeFound(_ node: Node) -> String? {
    switch node {
    case .scalar(let scalar):
        let text = scalar.string
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        if !quoted, Double(text) != nil || ["true", "false", "null", "~"].contains(text.lowercased()) { return shown }
        return "the string \"\(shown)\""
    case .mapping: return "a block"
    case .sequence: return "a list"
    case .alias: return nil
    }
}
