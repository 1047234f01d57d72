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

    public var student = ComponentReference()
    public var losses: [ComponentReference] = []
    public var training = TrainingBlock()
    public var teacherOutputs = TeacherOutputs.auto
    /// What the losses learn from, when not the stage's model: `{model: folder}` or a teacher component.
    public var teacher = ComponentReference()
    /// An augmenter whose texts join the training split, labelled by the teacher.
    public var augment: ComponentReference?
    public init() {}
    public static var keys: [SettingKey<DistillStage>] {
        [SettingKey("student", \.student, "{component: name, settings: {…}} or {model: folder}"),
         SettingKey("losses", \.losses, "[{component: name, weight: schedule, settings: {…}}, …]"),
         SettingKey("teacher", \.teacher, "what the losses learn from: {component: name, settings: {…}} (e.g. an ensemble) or "
                    + "{model: folder}; default: the stage's model, from which the student is made in every case"),
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
        if let model = student.model {
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
        var augmenter: ResolvedComponent?
        if let augment {
            try check.rejectKeys(["model", "weight"], at: "augment", known: ["component", "settings"])
            if check.recipe.data.pairColumn != nil { throw check.invalid("augment", "augmenting sentence pairs is not supported") }
            augmenter = try check.resolve(augment, kind: .augmenter, key: "augment")
        }
        check.model = studentSummary
        return Plan(student: resolvedStudent, losses: resolvedLosses, teacher: teacherSource, augmenter: augmenter)
    }

    func run(_ plan: Plan, in run: StageRun) throws -> StageRecord {
        let stageModel = try run.currentModel()
        let teacher = try makeTeacher(plan.teacher, stageModel: stageModel, run: run)
        var context = run.componentContext(teacher: stageModel)
        var lossContext = context
        lossContext.teacher = teacher
        let losses = try plan.losses.map { (loss: try $0.make(as: (any Loss).self, context: lossContext), weight: $0.weight) }
        let request = losses.reduce(into: OutputRequest()) { $0.formUnion($1.loss.request) }
        let needsTeacher = losses.contains { $0.loss.needsTeacher }
        var train = try run.split(.train)
        var transfer: TransferSetAugmentation?
        if let augmenter = plan.augmenter {
            let teacherRequest: OutputRequest
            do { teacherRequest = try TeacherOutputPlan.teacherRequest(request, teacher: teacher) } catch { throw run.failure("\(error)") }
            let made = try TransferSetAugmentation(augmenter: augmenter.make(as: (any Augmenter).self, context: context), teacher: teacher,
                                                   kept: request, request: teacherRequest, run: run)
            (transfer, train) = (made, made.train)
            context.training = train.dataset
        }
        let studentModel: any Model
        if let component = plan.student {
            studentModel = try component.make(as: (any Student).self, context: context)
        } else {
            studentModel = try run.state.loadModel(at: run.recipe.resolve(student.model ?? ""))
            if let classifier = studentModel as? any Classifier, !classifier.hasClassifier {
                classifier.addClassifier(labels: run.data.labels.names, seed: run.recipe.seed)
            }
        }
        let outputs: TeacherOutputPlan
        do { outputs = try TeacherOutputPlan(losses: request, teacher: teacher, student: studentModel) } catch { throw run.failure("\(error)") }
        let cache = needsTeacher ? try teacherCache(components: [studentModel] + losses.map(\.loss), outputs: outputs, teacher: teacher,
                                                    train: train, filled: transfer?.cache, run: run) : nil
        var settings = training.settings
        settings.seed = run.recipe.seed
        let trainer = try Trainer(model: studentModel, train: train, settings: settings) { batch, progress in
            let studentOutput = try studentModel.forward(batch, request: outputs.studentRequest, training: true)
            func runTeacher() throws -> ModelOutput { try teacher.outputs(for: batch, request: outputs.teacherRequest) }
            let teacherOutput = !needsTeacher ? nil : try cache.map { try $0.outputs(for: batch, teacher: runTeacher) } ?? runTeacher()
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
            run.emit(.note("[\(run.point)] teacher ran on \(cache.teacherBatches) batches; \(cache.cachedBatches) came from its cache (\(cache.storedValues * 4 / 1024) KiB)"))
        }
        var record = StageRecord(type: Self.type, model: try run.made(studentModel, losses: stepLosses, epochs: epochs))
        record.teacher = try teacherResult(teacher, source: plan.teacher, run: run)
        // Later stages read the student back from its folder: a BERT student saved as a plain
        // BERT folder continues as a BertModel (what pruners and quantizers work on).
        run.state.model = nil
        return record
    }

    /// The cache for the teacher's outputs, or nil when the teacher must run on every batch:
    /// `teacher_outputs: online`, or `auto` with a student or loss that says so (`OnlineTeacherOutputs`).
    /// `auto` caches only what fits in ``TeacherOutputPlan/memoryBudget``; `cached` always caches.
    /// `filled` holds outputs computed already (the augmented transfer set's), used as they are.
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
