import BertSlimSDK
import Foundation

/// `distill:` — trains a student on a weighted sum of losses against the current model (the
/// teacher). The student becomes the next stage's model.
public struct DistillStage: Stage, Equatable {
    public static let type = "distill"
    static let makesModel = true

    /// When the teacher runs.
    public enum TeacherOutputs: String, Decodable, CaseIterable, Equatable {
        /// Cached, unless the student or a loss says it needs online outputs (`OnlineTeacherOutputs`).
        case auto
        /// Once per training example, reused every epoch.
        case cached
        /// On every batch.
        case online
    }

    /// What the stage trains on.
    public enum TrainingData: String, Decodable, CaseIterable, Equatable {
        /// The training split (with the augmenter's texts, when there is one).
        case train
        /// `data.unlabelled`'s texts: for losses that read only the teacher (TinyBERT's general distillation).
        case unlabelled
    }

    public var student = ComponentReference()
    public var losses: [ComponentReference] = []
    public var training = TrainingBlock()
    public var teacherOutputs = TeacherOutputs.auto
    /// What the losses learn from, when not the stage's model: `{model: folder}` or a teacher component.
    public var teacher = ComponentReference()
    /// An augmenter whose texts join the training split, labelled by the teacher.
    public var augment: ComponentReference?
    public var data = TrainingData.train
    public init() {}
    public static var keys: [SettingKey<DistillStage>] {
        [SettingKey("student", \.student, "{component: name, settings: {…}}, {model: folder} or {stage: id} (the model after an earlier stage)"),
         SettingKey("losses", \.losses, "[{component: name, weight: schedule, settings: {…}}, …]"),
         SettingKey("teacher", \.teacher, "what the losses learn from: {component: name, settings: {…}} (e.g. an ensemble) or "
                    + "{model: folder} or {stage: id}; default: the stage's model, from which the student is made in every case"),
         SettingKey("data", \.data, "train: the training split; unlabelled: data.unlabelled's texts (for losses that need no labels)"),
         SettingKey("teacher_outputs", \.teacherOutputs,
                    "auto: computed once per example and reused each epoch unless a component needs them online; cached; online"),
         SettingKey("augment", \.augment, "{component: name, settings: {…}}: an augmenter whose texts the teacher labels and the student also learns from")]
            + TrainingBlock.trainingKeys(\.training)
    }

    /// The student (a component, or nil for a model folder), the losses, the teacher and the augmenter, resolved once.
    struct Plan {
        let student: ResolvedComponent?
        let losses: [ResolvedComponent]
        let teacher: TeacherSource
        let augmenter: ResolvedComponent?
    }

    func plan(_ check: StageCheck) throws -> Plan {
        let (teacherSource, teacherSummary) = try planTeacher(check)
        var resolvedStudent: ResolvedComponent?
        var studentSummary: ModelSummary?
        if let id = student.stage {
            try check.rejectKeys(["component", "settings", "weight", "model"], at: "student", known: ["stage"])
            studentSummary = try check.stageModel(id, key: "student.stage")
        } else if let model = student.model {
            try checkFolder(model, key: "student.model", check)
            try check.rejectKeys(["component", "settings", "weight"], at: "student", known: ["model"])
            studentSummary = check.summary(ofFolder: model)
        } else {
            try check.rejectKeys(["weight"], at: "student", known: ["component", "settings", "model"])
            let resolved = try check.resolve(student, kind: .student, key: "student")
            try check.checkModels(resolved, in: check.settingsContext())
            studentSummary = check.describedModel(resolved, in: check.settingsContext())
            resolvedStudent = resolved
        }
        guard !losses.isEmpty else { throw check.invalid("losses", "a distill stage needs at least one loss") }
        let lossContext = check.settingsContext(teacher: teacherSummary, student: studentSummary)
        let resolvedLosses = try losses.indices.map { l in
            try check.rejectKeys(["model"], at: "losses[\(l)]", known: ["component", "weight", "settings"])
            let resolved = try check.resolve(losses[l], kind: .loss, key: "losses[\(l)]")
            try check.checkModels(resolved, in: lossContext)
            return resolved
        }
        if data == .unlabelled && check.recipe.data.unlabelled == nil {
            throw check.invalid("data", "the recipe's data has no unlabelled file (set data.unlabelled)")
        }
        var augmenter: ResolvedComponent?
        if let augment {
            try check.rejectKeys(["model", "weight"], at: "augment", known: ["component", "settings"])
            if check.recipe.data.pairColumn != nil { throw check.invalid("augment", "augmenting sentence pairs is not supported") }
            if data == .unlabelled { throw check.invalid("augment", "augments the training split; this stage trains on data: unlabelled") }
            augmenter = try check.resolve(augment, kind: .augmenter, key: "augment")
        }
        check.model = studentSummary
        return Plan(student: resolvedStudent, losses: resolvedLosses, teacher: teacherSource, augmenter: augmenter)
    }

    func run(_ plan: Plan, in run: StageRun) throws -> StageRecord {
        let stageModel = try run.currentModel()
        let teacher = try makeTeacher(plan.teacher, stageModel: stageModel, run: run)
        var context = run.componentContext(teacher: stageModel)
        var train = try trainingData(run)
        var transfer: TransferSetAugmentation?
        if let augmenter = plan.augmenter {
            // The augmenter reads the stage's teacher (Tang's and TinyBERT's neighbours come from its
            // embeddings), or the stage's model when the teacher runs no BERT encoder (an ensemble).
            var augmenterContext = context
            if teacher.model is any BertEncoderProviding { augmenterContext.teacher = teacher }
            let made = try TransferSetAugmentation(augmenter: augmenter.make(as: (any Augmenter).self, context: augmenterContext),
                                                   teacher: teacher, teacherFolder: try teacherFolder(plan.teacher, run: run), run: run)
            (transfer, train) = (made, made.train)
        }
        context.training = train.dataset
        let studentModel: any Model
        if let component = plan.student {
            studentModel = try component.make(as: (any Student).self, context: context)
        } else {
            let folder = try student.stage.map { try run.modelDirectory(afterStage: $0) } ?? run.recipe.resolve(student.model ?? "")
            studentModel = try run.state.loadModel(at: folder)
            if let classifier = studentModel as? any Classifier, !classifier.hasClassifier {
                classifier.addClassifier(labels: run.data.labels.names, seed: run.recipe.seed)
            }
        }
        // Losses come after the student: a loss's own parameters may depend on its shape.
        var lossContext = context
        lossContext.teacher = teacher
        lossContext.student = studentModel
        let losses = try plan.losses.map { (loss: try $0.make(as: (any Loss).self, context: lossContext), weight: $0.weight) }
        let request = losses.reduce(into: OutputRequest()) { $0.formUnion($1.loss.request) }
        let needsTeacher = losses.contains { $0.loss.needsTeacher }
        let lossParameters = losses.enumerated().flatMap { index, entry in
            entry.loss.parameters.map { (name: "losses.\(index).\($0.name)", parameter: $0.parameter) }
        }
        let outputs: TeacherOutputPlan
        do { outputs = try TeacherOutputPlan(losses: request, teacher: teacher, student: studentModel) } catch { throw run.failure("\(error)") }
        let cache = needsTeacher ? try teacherCache(components: [studentModel] + losses.map(\.loss), outputs: outputs, teacher: teacher,
                                                    train: train, filled: request.isEmpty ? transfer?.cache : nil, run: run) : nil
        var settings = training.settings
        settings.seed = run.recipe.seed
        let trainer = try Trainer(model: studentModel, train: train, settings: settings, extraParameters: lossParameters) { batch, progress in
            let studentOutput = try studentModel.forward(batch, request: outputs.studentRequest, training: true)
            func runTeacher(_ rows: Batch) throws -> ModelOutput { try teacher.outputs(for: rows, request: outputs.teacherRequest) }
            let teacherOutput = !needsTeacher ? nil : try cache.map { try $0.outputs(for: batch, teacher: runTeacher) } ?? runTeacher(batch)
            var total: Tensor?
            for (loss, weight) in losses {
                let term = try loss(student: studentOutput, teacher: teacherOutput, batch: batch, progress: progress)
                    * Float(weight.value(at: progress))
                total = total.map { $0 + term } ?? term
            }
            return total ?? Tensor.zeros([])
        }
        let (stepLosses, epochs) = try run.train(trainer, block: training)
        if let cache {
            run.emit(.note("[\(run.point)] teacher ran on \(cache.teacherExamples) examples; \(cache.cachedExamples) came from its cache (\(cache.storedValues * 4 / 1024) KiB)"))
        }
        var record = StageRecord(type: Self.type, model: try run.made(studentModel, losses: stepLosses, epochs: epochs))
        record.teacher = try teacherResult(teacher, source: plan.teacher, run: run)
        // Later stages read the student back from its folder: a BERT student saved as a plain
        // BERT folder continues as a BertModel (what pruners and quantizers work on).
        run.state.model = nil
        return record
    }

    /// The examples the stage trains on (`data:`).
    private func trainingData(_ run: StageRun) throws -> EncodedDataset {
        switch data {
        case .train: return try run.split(.train)
        case .unlabelled:
            guard let texts = run.data.unlabelled else { throw run.failure("data: unlabelled, and the recipe's data has no unlabelled file") }
            return texts
        }
    }

    /// The cache for the teacher's outputs, or nil when the teacher must run on every batch:
    /// `teacher_outputs: online`, or `auto` with a student or loss that says so (`OnlineTeacherOutputs`).
    /// `auto` caches only what fits in ``TeacherOutputPlan/memoryBudget``; `cached` always caches.
    /// `filled` holds outputs computed already (the augmented transfer set's logits), used as they are.
    private func teacherCache(components: [Any], outputs: TeacherOutputPlan, teacher: any Teacher, train: EncodedDataset,
                              filled: TeacherOutputCache?, run: StageRun) throws -> TeacherOutputCache? {
        let online = components.compactMap { $0 as? any OnlineTeacherOutputs }.filter(\.needsOnlineTeacherOutputs)
        let budget: Int?
        switch teacherOutputs {
        case .online:
            return nil
        case .auto:
            guard online.isEmpty else { return nil }
            if let filled { return filled }
            budget = TeacherOutputPlan.memoryBudget
        case .cached:
            guard online.isEmpty else {
                throw run.failure("teacher_outputs: cached, but \(online.map { "\(Swift.type(of: $0))" }.joined(separator: ", ")) needs the teacher run on every batch")
            }
            if let filled { return filled }
            budget = nil
        }
        let (cache, note) = outputs.cache(teacher: teacher, lengths: train.lengths, budget: budget)
        run.emit(.note("[\(run.point)] \(note)"))
        return cache
    }
}
