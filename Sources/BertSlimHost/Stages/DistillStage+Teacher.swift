import BertSlimSDK
import Foundation

extension DistillStage {
    /// What a distill stage's losses learn from: the stage's model unless its `teacher:` block
    /// names a model folder or a teacher component (an ensemble). The student is made from the
    /// stage's model either way (its shape and starting weights).
    enum TeacherSource {
        /// The model the stage starts from.
        case stageModel
        /// `teacher: {model: folder}`.
        case folder(String)
        /// `teacher: {stage: id}`: the model after an earlier stage.
        case stage(String)
        /// `teacher: {component: name, settings: {…}}`, resolved once.
        case component(ResolvedComponent)
    }

    /// Resolves the `teacher:` block and says what is known of the teacher.
    /// - Throws: ``RecipeError`` under `teacher` (a missing folder, an unknown component, bad settings).
    func planTeacher(_ check: StageCheck) throws -> (source: TeacherSource, summary: ModelSummary?) {
        if let id = teacher.stage {
            try check.rejectKeys(["component", "settings", "weight", "model"], at: "teacher", known: ["stage"])
            return (.stage(id), try check.stageModel(id, key: "teacher.stage"))
        }
        if let folder = teacher.model {
            try check.rejectKeys(["component", "settings", "weight"], at: "teacher", known: ["model"])
            try checkFolder(folder, key: "teacher.model", check)
            return (.folder(folder), check.summary(ofFolder: folder))
        }
        guard check.recipe.document.node(at: check.path + ".teacher") != nil else { return (.stageModel, check.model) }
        try check.rejectKeys(["weight"], at: "teacher", known: ["component", "settings", "model"])
        let resolved = try check.resolve(teacher, kind: .teacher, key: "teacher")
        let context = check.settingsContext()
        try check.checkModels(resolved, in: context)
        return (.component(resolved), check.describedModel(resolved, in: context) ?? ModelSummary(name: teacher.component))
    }

    /// Checks a model folder the stage names (a student's or a teacher's) against the data.
    func checkFolder(_ folder: String, key: String, _ check: StageCheck) throws {
        try check.recipe.checkFile(folder, path: check.path + "." + key, inside: "config.json")
        guard let start = check.recipe.teacher else { return }
        if let count = try check.recipe.checkModelFolder(folder, path: check.path + "." + key,
                                                          tokenizer: start.tokenizer ?? start.model,
                                                          tokenizerPath: start.tokenizer == nil ? "teacher.model" : "teacher.tokenizer",
                                                          labels: check.labels),
           count < check.positions?.count ?? Int.max {
            check.positions = (count, folder)
        }
    }

    /// Builds the teacher, once.
    func makeTeacher(_ source: TeacherSource, stageModel: any Model, run: StageRun) throws -> any Teacher {
        switch source {
        case .stageModel:
            return ModelTeacher(stageModel)
        case .folder(let folder):
            return ModelTeacher(try run.state.loadModel(at: run.recipe.resolve(folder)))
        case .stage(let id):
            return ModelTeacher(try run.state.loadModel(at: run.modelDirectory(afterStage: id)))
        case .component(let component):
            return try component.make(as: (any Teacher).self, context: run.componentContext(teacher: stageModel))
        }
    }

    /// The teacher's model folder (for a teacher component, the stage's model's, from which it is made).
    func teacherFolder(_ source: TeacherSource, run: StageRun) throws -> String {
        switch source {
        case .stageModel, .component: return run.state.modelDirectory
        case .folder(let folder): return run.recipe.resolve(folder)
        case .stage(let id): return try run.modelDirectory(afterStage: id)
        }
    }

    /// The teacher's own row in the results when it is not a model of this run (the stage's or
    /// an earlier stage's, whose row is already there): scored on the test split, else the dev split (unless it has no
    /// classification head), and named by what it is
    /// (`ensemble of 3 (combine: logits): …`).
    func teacherResult(_ teacher: any Teacher, source: TeacherSource, run: StageRun) throws -> ModelResult? {
        let summary: String, bytes: Int
        switch source {
        case .stageModel, .stage:
            return nil
        case .folder(let folder):
            (summary, bytes) = (folder, RunFiles.weightBytes(in: run.recipe.resolve(folder)))
        case .component(let component):
            (summary, bytes) = ((teacher as? CustomStringConvertible)?.description ?? component.factory.name, 0)
        }
        var result = ModelResult(origin: run.origin + ".teacher", parameters: teacher.model.parameterCount, fileBytes: bytes)
        result.summary = summary
        // A teacher without a classification head (general distillation's pre-trained model) is not scored.
        if let classifier = teacher.model as? any Classifier, !classifier.hasClassifier { return result }
        guard let split = [DataSplit.test, .dev].first(where: { run.data.splits[$0] != nil }) else { return result }
        let metrics = try withoutGradient { try evaluateClassifier(teacher.model, on: try run.split(split)) }
        result.evaluations[split.rawValue] = metrics
        run.emit(.note("[\(run.point)] teacher \(summary): \(split.rawValue) accuracy \(String(format: "%.4f", metrics.accuracy))"))
        return result
    }
}
