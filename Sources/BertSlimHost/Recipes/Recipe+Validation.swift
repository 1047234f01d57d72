import BertSlimSDK
import Foundation
import Yams

extension Recipe {
    /// Checks everything that can be checked before work starts, for every point of the
    /// sweep: files exist and read, each stage has a model to work on, and every component
    /// resolves to a loaded plugin and decodes its settings.
    /// - Throws: the first ``RecipeError``, with key path and line.
    public func validate(host: PluginHost) throws {
        for point in try points() { try point.recipe.validatePoint(host: host) }
    }

    func validatePoint(host: PluginHost) throws {
        let labels = try checkData()
        let tokenizerPath = teacher?.tokenizer == nil ? "teacher.model" : "teacher.tokenizer"
        // The fewest positions of the BERT models the stages work on (benchmarks must fit).
        var positions: (count: Int, folder: String)?
        if let teacher {
            try checkFile(teacher.model, path: "teacher.model", inside: "config.json")
            try checkFile(teacher.tokenizer ?? teacher.model, path: tokenizerPath, inside: "vocab.txt")
            positions = try checkModelFolder(teacher.model, path: "teacher.model", tokenizer: teacher.tokenizer ?? teacher.model,
                                             tokenizerPath: tokenizerPath, labels: labels).map { ($0, teacher.model) }
        }
        var hasModel = teacher != nil
        let context = ComponentContext(labelCount: labels.count, seed: seed, baseDirectory: baseDirectory)
        for (index, stage) in stages.enumerated() {
            let path = "stages[\(index)].\(stage.type)"
            guard hasModel else {
                throw RecipeError.needsModel(path: "stages[\(index)]", stage: stage.type, at: document.location(of: path, key: true))
            }
            switch stage {
            case .finetune, .export:
                break
            case .benchmark(let benchmark):
                if let positions, benchmark.sequenceLength > positions.count {
                    throw RecipeError.invalidValue(
                        path: path + ".sequence_length",
                        reason: "\(benchmark.sequenceLength) is more than the \(positions.count) positions (max_position_embeddings) of \(positions.folder)",
                        at: document.location(of: path + ".sequence_length") ?? document.location(of: path))
                }
            case .evaluate(let evaluate):
                if data.file(evaluate.split) == nil {
                    throw RecipeError.invalidValue(path: path + ".split", reason: "the data has no \(evaluate.split.rawValue) file (set data.\(evaluate.split.rawValue))",
                                                   at: document.location(of: path + ".split") ?? document.location(of: path))
                }
            case .distill(let distill):
                if let model = distill.student.model {
                    try checkFile(model, path: path + ".student.model", inside: "config.json")
                    if let teacher, let count = try checkModelFolder(model, path: path + ".student.model",
                                                                     tokenizer: teacher.tokenizer ?? teacher.model,
                                                                     tokenizerPath: tokenizerPath, labels: labels),
                       count < positions?.count ?? Int.max {
                        positions = (count, model)
                    }
                    try rejectKeys(["component", "settings", "weight"], at: path + ".student", known: ["model"])
                } else {
                    try rejectKeys(["weight"], at: path + ".student", known: ["component", "settings", "model"])
                    _ = try makeComponent(distill.student, kind: .student, path: path + ".student", host: host, context: context)
                }
                guard !distill.losses.isEmpty else {
                    throw RecipeError.invalidValue(path: path + ".losses", reason: "a distill stage needs at least one loss",
                                                   at: document.location(of: path + ".losses") ?? document.location(of: path))
                }
                for (l, loss) in distill.losses.enumerated() {
                    try rejectKeys(["model"], at: path + ".losses[\(l)]", known: ["component", "weight", "settings"])
                    _ = try makeComponent(loss, kind: .loss, path: path + ".losses[\(l)]", host: host, context: context)
                }
            case .prune(let prune):
                try rejectKeys(["model", "weight"], at: path + ".pruner", known: ["component", "settings"])
                var selected = context
                selected.selection = prune.select
                _ = try makeComponent(prune.pruner, kind: .pruner, path: path + ".pruner", host: host, context: selected)
                if let split = prune.evaluate, data.file(split) == nil {
                    throw RecipeError.invalidValue(path: path + ".evaluate", reason: "the data has no \(split.rawValue) file (set data.\(split.rawValue))",
                                                   at: document.location(of: path + ".evaluate") ?? document.location(of: path))
                }
            case .quantize(let quantize):
                try rejectKeys(["model", "weight"], at: path + ".quantizer", known: ["component", "settings"])
                var selected = context
                selected.selection = quantize.select
                _ = try makeComponent(quantize.quantizer, kind: .quantizer, path: path + ".quantizer", host: host, context: selected)
            }
            hasModel = true
        }
    }

    /// Reads every data file so that a bad column, an unreadable file or a dev or test label
    /// the training file lacks is found now, not after training; returns the label vocabulary.
    @discardableResult
    func checkData() throws -> LabelVocabulary {
        try checkFile(data.train, path: "data.train")
        for split in [DataSplit.dev, .test] {
            if let file = data.file(split) { try checkFile(file, path: "data.\(split.rawValue)") }
        }
        if data.pairColumn != nil && data.maxLength < 3 {
            throw RecipeError.invalidValue(path: "data.max_length", reason: "\(data.maxLength) leaves no room for a text pair (at least 3)",
                                           at: document.location(of: "data.max_length"))
        }
        let labels: LabelVocabulary
        do {
            let train = try TextDataset(path: resolve(data.train), columns: columns)
            guard let found = train.labels, found.count >= 2 else {
                throw RecipeError.invalidValue(path: "data.train", reason: "\(data.train) needs a label column with at least two labels",
                                               at: document.location(of: "data.train"))
            }
            labels = found
        } catch let error as DataError {
            throw RecipeError.invalidValue(path: "data.train", reason: error.description, at: document.location(of: "data.train"))
        }
        for split in [DataSplit.dev, .test] {
            guard let file = data.file(split) else { continue }
            do {
                _ = try TextDataset(path: resolve(file), columns: columns, labels: labels)
            } catch let error as DataError {
                throw RecipeError.invalidValue(path: "data.\(split.rawValue)", reason: error.description,
                                               at: document.location(of: "data.\(split.rawValue)"))
            }
        }
        return labels
    }

    /// How the data files are read.
    var columns: ColumnMapping {
        ColumnMapping(text: .name(data.textColumn), textPair: data.pairColumn.map { .name($0) }, label: .name(data.labelColumn))
    }

    /// Throws ``RecipeError/missingFile(path:file:at:)`` unless `file` (or `file/inside`) exists.
    func checkFile(_ file: String, path: String, inside: String? = nil) throws {
        var target = resolve(file)
        if let inside { target = URL(fileURLWithPath: target).appendingPathComponent(inside).path }
        guard FileManager.default.fileExists(atPath: target) else {
            throw RecipeError.missingFile(path: path, file: inside == nil ? file : "\(file)/\(inside!)", at: document.location(of: path))
        }
    }

    /// A key a reference may not have in this role is an unknown key.
    func rejectKeys(_ keys: [String], at path: String, known: [String]) throws {
        for key in keys where document.node(at: path + "." + key) != nil {
            throw RecipeError.unknownKey(path: path + "." + key, known: known, at: document.location(of: path + "." + key, key: true))
        }
    }

    /// Resolves a component reference against the loaded plugins and builds it from its
    /// settings block.
    /// - Throws: ``RecipeError`` naming the key path (unknown component with the known ones,
    ///   bad settings with the plugin's key path inside the block).
    func makeComponent(_ reference: ComponentReference, kind: ComponentKind, path: String, host: PluginHost,
                       context: ComponentContext) throws -> Any {
        guard !reference.component.isEmpty else {
            throw RecipeError.invalidValue(path: path + ".component", reason: "missing", at: document.location(of: path))
        }
        let factory: ComponentFactory
        do {
            factory = try host.factory(kind, reference.component)
        } catch PluginError.unknownComponent(_, _, let known) {
            throw RecipeError.unknownComponent(path: path + ".component", kind: kind, name: reference.component, known: known,
                                               at: document.location(of: path + ".component"))
        }
        let config: ComponentConfig
        if let node = document.node(at: path + ".settings") {
            config = .yaml(try Yams.serialize(node: node), path: path + ".settings")
        } else {
            config = .empty
        }
        do {
            return try host.make(kind, factory.name, config: config, context: context)
        } catch let error as SettingsError {
            throw RecipeError.settings(error, in: document)
        } catch {
            throw RecipeError.invalidValue(path: path, reason: "\(reference.component) cannot be built: \(error)",
                                           at: document.location(of: path))
        }
    }
}
