import BertSlimSDK
import Foundation
import Yams

/// A recipe: the data, the model to start from, and ordered typed stages, each stage's model
/// being the next one's input; optionally a sweep over settings.
///
/// ```yaml
/// recipe: 1
/// data: {train: data/train.tsv, dev: data/dev.tsv, test: data/test.tsv}
/// teacher: {model: models/minilm-l6}
/// stages:
///   - finetune: {epochs: 3, learning_rate: 5e-5}
///   - evaluate: {split: test}
///   - export: {name: teacher}
/// sweep:
///   stages[0].finetune.learning_rate: [2e-5, 5e-5]
/// ```
/// A stage with an `id` may be swept by name: `stages.teacher-ft.learning_rate` (see ``RecipeStage``).
/// Decoding is strict: an unknown key, a wrong type or a value out of range is a
/// ``RecipeError`` with its key path and line. Components are resolved by ``validate(host:)``.
public struct Recipe {
    /// The recipe format version this host reads.
    public static let version = 1

    /// The parsed text (every point of a sweep has its own, with the swept values set).
    public let document: RecipeDocument
    /// Relative paths are resolved against this folder (the recipe file's).
    public let baseDirectory: String
    /// A name for reports (default: the file's name).
    public var name: String
    /// Seed for initialisation, shuffling and dropout (`--seed` overrides it).
    public var seed: UInt64
    public var data: RecipeData
    public var teacher: RecipeTeacher?
    public var stages: [RecipeStage]
    /// Key path → values; every combination runs.
    public var sweep: [SweepAxis]

    /// One swept setting.
    public struct SweepAxis {
        /// Key path of the setting as the recipe writes it: `stages[0].finetune.learning_rate`,
        /// or by the stage's id, `stages.teacher-ft.learning_rate`.
        public var path: String
        /// The same path by position (what is set in each point's recipe).
        public var target: String
        /// Its values, as YAML nodes (with their positions, for errors).
        public var values: [Node]
    }

    private struct Body: ComponentSettings {
        var recipe: Int?
        var name: String?
        var seed: UInt64 = 1
        var data = RecipeData()
        var teacher: RecipeTeacher?
        var stages: [RecipeStage] = []
        var sweep = OpaqueBlock()
        static var keys: [SettingKey<Body>] { [
            SettingKey("recipe", \.recipe, "format version: 1"),
            SettingKey("name", \.name, "name shown in reports"),
            SettingKey("seed", \.seed, "seed for initialisation, shuffling and dropout"),
            SettingKey("data", \.data, "the labelled data"),
            SettingKey("teacher", \.teacher, "the model the recipe starts from"),
            SettingKey("stages", \.stages, "ordered stages: \(StageTypes.names.joined(separator: ", ")), each optionally with an id"),
            SettingKey("sweep", \.sweep, "key path → list of values; every combination runs"),
        ] }
    }

    /// Reads and decodes a recipe file.
    /// - Throws: ``RecipeError`` with the key path and line.
    public init(contentsOf path: String) throws {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RecipeError.syntax(file: path, reason: "cannot read the recipe (\(error.localizedDescription))", at: nil)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try self.init(yaml: text, file: path, baseDirectory: directory)
    }

    /// Decodes a recipe from text.
    /// - Parameters:
    ///   - file: the name errors show.
    ///   - baseDirectory: what relative paths in the recipe are relative to.
    /// - Throws: ``RecipeError`` with the key path and line.
    public init(yaml: String, file: String = "recipe.yaml", baseDirectory: String = ".") throws {
        try self.init(document: RecipeDocument(text: yaml, file: file), baseDirectory: baseDirectory)
    }

    init(document: RecipeDocument, baseDirectory: String) throws {
        self.document = document
        self.baseDirectory = baseDirectory
        let body: Body
        do {
            body = try YAMLDecoder().decode(Body.self, from: document.root)
        } catch let error as SettingsError {
            throw RecipeError.settings(error, in: document)
        } catch let error as DecodingError {
            throw RecipeError.settings(SettingsError(error), in: document)
        }
        guard let version = body.recipe else {
            throw RecipeError.invalidValue(path: "recipe", reason: "missing (write `recipe: \(Self.version)` first)",
                                           at: document.location(of: ""))
        }
        guard version == Self.version else {
            throw RecipeError.invalidValue(path: "recipe", reason: "version \(version) is not supported (this host reads \(Self.version))",
                                           at: document.location(of: "recipe"))
        }
        if body.data.train.isEmpty {
            throw RecipeError.invalidValue(path: "data.train", reason: "missing", at: document.location(of: "data"))
        }
        if let teacher = body.teacher, teacher.model.isEmpty {
            throw RecipeError.invalidValue(path: "teacher.model", reason: "missing", at: document.location(of: "teacher"))
        }
        if body.stages.isEmpty {
            throw RecipeError.invalidValue(path: "stages", reason: "no stages", at: document.location(of: "stages"))
        }
        var ids: [String: Int] = [:]
        for (index, stage) in body.stages.enumerated() {
            guard let id = stage.id else { continue }
            if let first = ids[id] {
                throw RecipeError.invalidValue(path: "stages[\(index)].id", reason: "'\(id)' is already the id of stages[\(first)]",
                                               at: document.location(of: "stages[\(index)].id"))
            }
            ids[id] = index
        }
        name = body.name ?? URL(fileURLWithPath: document.file).deletingPathExtension().lastPathComponent
        seed = body.seed
        data = body.data
        teacher = body.teacher
        stages = body.stages
        sweep = try Self.sweepAxes(in: document, stages: body.stages, ids: ids)
    }

    private static func sweepAxes(in document: RecipeDocument, stages: [RecipeStage], ids: [String: Int]) throws -> [SweepAxis] {
        guard let node = document.node(at: "sweep"), node != Node("~") , !(node.scalar?.string.isEmpty ?? false) else { return [] }
        guard case .mapping(let mapping) = node else {
            throw RecipeError.invalidValue(path: "sweep", reason: "expected a block of key path: [values]", at: document.location(of: "sweep"))
        }
        return try mapping.map { key, value in
            let path = key.string ?? ""
            let at = key.mark.map { RecipeLocation(file: document.file, line: $0.line, column: $0.column) }
            guard case .sequence(let values) = value, !values.isEmpty else {
                throw RecipeError.invalidValue(path: "sweep.\(path)", reason: "expected a non-empty list of values", at: at)
            }
            var target = path
            if path.hasPrefix("stages.") {  // by id: stages.<id>.<key…> → stages[i].<type>.<key…>
                let parts = path.split(separator: ".", maxSplits: 2).map(String.init)
                guard parts.count == 3, let index = ids[parts[1]] else {
                    throw RecipeError.invalidValue(path: "sweep.\(path)", reason: "no stage has the id '\(parts.count > 1 ? parts[1] : "")' "
                                                   + "(ids: \(ids.keys.sorted().joined(separator: ", ")))", at: at)
                }
                target = "stages[\(index)].\(stages[index].type).\(parts[2])"
            } else if !(path.hasPrefix("stages[") || path.hasPrefix("data.") || path == "seed") {
                throw RecipeError.invalidValue(path: "sweep.\(path)", reason: "only stage settings (stages[i].… or stages.<id>.…), data settings and seed can be swept", at: at)
            }
            return SweepAxis(path: path, target: target, values: Array(values))
        }
    }

    /// One run of a sweep: its label (`lr=2e-05`) and its recipe with the values set.
    public struct Point {
        /// `stages[0].finetune.learning_rate=2e-05, …`, or `default` without a sweep.
        public var label: String
        /// A short folder-safe name, `p0`, `p1`, …
        public var id: String
        /// The swept values by key path.
        public var values: [String: String]
        /// The recipe with the values set.
        public var recipe: Recipe
    }

    /// Every combination of the swept values (one point without a sweep), each decoded.
    /// - Throws: ``RecipeError`` for a value that does not decode, located at the value.
    public func points() throws -> [Point] {
        guard !sweep.isEmpty else { return [Point(label: "default", id: "p0", values: [:], recipe: self)] }
        var combinations: [[(SweepAxis, Node)]] = [[]]
        for axis in sweep {
            combinations = combinations.flatMap { prefix in axis.values.map { prefix + [(axis, $0)] } }
        }
        return try combinations.enumerated().map { index, combination in
            var document = self.document
            for (axis, value) in combination {
                let at = value.mark.map { RecipeLocation(file: document.file, line: $0.line, column: $0.column) }
                try document.set(value, at: axis.target, reportedAt: at)
            }
            // The sweep itself is not part of a point.
            if case .mapping(var root) = document.root {
                root["sweep"] = nil
                document.root = .mapping(root)
            }
            let recipe = try Recipe(document: document, baseDirectory: baseDirectory)
            let values = Dictionary(uniqueKeysWithValues: combination.map { ($0.0.path, Self.flowText($0.1)) })
            let label = combination.map { "\(Self.shortName($0.0.path))=\(Self.flowText($0.1))" }.joined(separator: ", ")
            return Point(label: label, id: "p\(index)", values: values, recipe: recipe)
        }
    }

    /// A swept value on one line: a scalar as written, lists and blocks in YAML flow style
    /// (`[{component: cross-entropy}]`), so that points sweeping whole blocks read apart.
    static func flowText(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return scalar.string
        case .sequence(let items): return "[" + items.map(flowText).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "{" + pairs.map { "\(flowText($0.key)): \(flowText($0.value))" }.joined(separator: ", ") + "}"
        case .alias: return "?"
        }
    }

    /// `stages[0].finetune.learning_rate` → `finetune.learning_rate`.
    static func shortName(_ path: String) -> String {
        let parts = path.split(separator: ".")
        return parts.count > 2 ? parts.suffix(2).joined(separator: ".") : path
    }

    /// A path relative to the recipe's folder made absolute.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: baseDirectory).appendingPathComponent(path).standardizedFileURL.path
    }

    /// The recipe as YAML, with every swept value set (what a run folder keeps).
    public func resolvedYAML() throws -> String { try Yams.serialize(node: document.root) }
}
