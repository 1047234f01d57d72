import BertSlimSDK
import Foundation

extension Recipe {
    /// Checks everything that can be checked before work starts, for every point of the
    /// sweep: files exist and read, each stage has a model to work on, and every component
    /// resolves to a loaded plugin and its settings block decodes — once: the decoded settings
    /// are kept in the result, and a run builds each component from them.
    /// - Returns: every point with its stages planned.
    /// - Throws: the first ``RecipeError``, with key path and line.
    @discardableResult
    public func validate(host: PluginHost) throws -> ValidatedRecipe {
        ValidatedRecipe(points: try points().map { ValidatedRecipe.Point(point: $0, stages: try $0.recipe.plan(host: host)) })
    }

    /// This recipe's stages, checked and planned in order.
    func plan(host: PluginHost) throws -> [PlannedStage] {
        let labels = try checkData()
        let tokenizerPath = teacher?.tokenizer == nil ? "teacher.model" : "teacher.tokenizer"
        var positions: (count: Int, folder: String)?
        if let teacher {
            try checkFile(teacher.model, path: "teacher.model", inside: "config.json")
            try checkFile(teacher.tokenizer ?? teacher.model, path: tokenizerPath, inside: "vocab.txt")
            positions = try checkModelFolder(teacher.model, path: "teacher.model", tokenizer: teacher.tokenizer ?? teacher.model,
                                             tokenizerPath: tokenizerPath, labels: labels).map { ($0, teacher.model) }
        }
        let check = StageCheck(recipe: self, host: host, labels: labels, positions: positions)
        check.model = teacher.flatMap { check.summary(ofFolder: $0.model) }
        var hasModel = teacher != nil
        return try stages.enumerated().map { index, stage in
            guard hasModel else {
                throw RecipeError.needsModel(path: "stages[\(index)]", stage: stage.type,
                                             at: document.location(of: "stages[\(index)].\(stage.type)", key: true))
            }
            check.enter(index, type: stage.type)
            hasModel = true
            let planned = try PlannedStage(stage, check: check)
            if let id = stage.id { check.stageModels[id] = .some(check.model) }
            return planned
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
        if let file = data.unlabelled {
            try checkFile(file, path: "data.unlabelled")
            do {
                _ = try TextDataset(path: resolve(file), columns: unlabelledColumns)
            } catch let error as DataError {
                throw RecipeError.invalidValue(path: "data.unlabelled", reason: error.description, at: document.location(of: "data.unlabelled"))
            }
        }
        return labels
    }

    /// How the data files are read.
    var columns: ColumnMapping {
        ColumnMapping(text: .name(data.textColumn), textPair: data.pairColumn.map { .name($0) }, label: .name(data.labelColumn))
    }

    /// How `data.unlabelled` is read: the same text columns, no label.
    var unlabelledColumns: ColumnMapping {
        ColumnMapping(text: .name(data.textColumn), textPair: data.pairColumn.map { .name($0) }, label: nil)
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
}
