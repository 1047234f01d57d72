import Foundation
import Yams

/// A recipe's YAML as a tree of nodes that remember their line and column, so that an error
/// found while decoding or validating points at the text that caused it.
public struct RecipeDocument {
    /// The file the text came from (as the user named it).
    public let file: String
    /// The root mapping.
    public internal(set) var root: Node

    /// Parses `text`.
    /// - Throws: ``RecipeError/syntax(file:reason:at:)`` with the line and column.
    public init(text: String, file: String) throws {
        self.file = file
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw RecipeError.syntax(file: file, reason: "the recipe is empty", at: nil)
            }
            self.root = root
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: file)
        }
    }

    /// One step of a key path: a mapping key or a sequence index.
    enum PathStep: Equatable {
        case key(String)
        case index(Int)
    }

    /// `stages[1].distill.losses[0]` → key, index, key, key, index.
    static func steps(_ path: String) -> [PathStep] {
        var steps: [PathStep] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: true) {
            var rest = Substring(part)
            if let open = rest.firstIndex(of: "[") {
                if open > rest.startIndex { steps.append(.key(String(rest[..<open]))) }
                rest = rest[open...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let index = Int(rest[rest.index(after: rest.startIndex)..<close]) { steps.append(.index(index)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                steps.append(.key(String(rest)))
            }
        }
        return steps
    }

    /// The node at `path`, if the file has one.
    public func node(at path: String) -> Node? {
        var node = root
        for step in Self.steps(path) {
            guard let next = Self.child(of: node, step)?.value else { return nil }
            node = next
        }
        return node
    }

    /// Where `path` is written: the value's position, or the key's when `key` is true (for
    /// unknown keys); the nearest enclosing block when the path is not in the file.
    public func location(of path: String, key: Bool = false) -> RecipeLocation? {
        var node = root
        var mark = root.mark
        for step in Self.steps(path) {
            guard let next = Self.child(of: node, step) else { break }
            node = next.value
            mark = (key ? next.key?.mark : nil) ?? next.value.mark ?? mark
        }
        return mark.map { RecipeLocation(file: file, line: $0.line, column: $0.column) }
    }

    private static func child(of node: Node, _ step: PathStep) -> (key: Node?, value: Node)? {
        switch (node, step) {
        case let (.mapping(mapping), .key(name)):
            return mapping.first { $0.key.string == name }.map { ($0.key, $0.value) }
        case let (.sequence(sequence), .index(index)):
            return sequence.indices.contains(index) ? (nil, sequence[index]) : nil
        default:
            return nil
        }
    }

    /// Replaces (or adds, in an existing mapping) the value at `path`.
    /// - Throws: ``RecipeError/invalidValue(path:reason:at:)`` when the path's parent is not in the file.
    mutating func set(_ value: Node, at path: String, reportedAt: RecipeLocation?) throws {
        let steps = Self.steps(path)
        func replace(_ node: Node, _ rest: ArraySlice<PathStep>) throws -> Node {
            guard let step = rest.first else { return value }
            switch (node, step) {
            case (.mapping(var mapping), .key(let name)):
                if let index = mapping.firstIndex(where: { $0.key.string == name }) {
                    let child = mapping[index]
                    mapping[index] = (child.key, try replace(child.value, rest.dropFirst()))
                } else if rest.count == 1 {
                    mapping[name] = value
                } else {
                    break
                }
                return .mapping(mapping)
            case (.sequence(var sequence), .index(let index)) where sequence.indices.contains(index):
                sequence[index] = try replace(sequence[index], rest.dropFirst())
                return .sequence(sequence)
            default:
                break
            }
            throw RecipeError.invalidValue(path: "sweep.\(path)", reason: "the recipe has no block at this key path to set",
                                           at: reportedAt)
        }
        root = try replace(root, steps[...])
    }

    private static func syntaxError(_ error: YamlError, file: String) -> RecipeError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return .syntax(file: file, reason: "not valid YAML: \(problem)",
                           at: RecipeLocation(file: file, line: mark.line, column: mark.column))
        case let .duplicatedKeysInMapping(duplicates, context):
            return .syntax(file: file, reason: "duplicate key \(duplicates.joined(separator: ", "))",
                           at: RecipeLocation(file: file, line: context.mark.line, column: context.mark.column))
        default:
            return .syntax(file: file, reason: "not valid YAML: \(error)", at: nil)
        }
    }
}
