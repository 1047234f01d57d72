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
    /// An augmenter whose texts join the training split, labelled by the teacher.
    public var augment: ComponentReference?
    public init() {}
    public static var keys: [SettingKey<DistillStage>] {
        [SettingKey("student", \.student, "{component: name, settings: {…}} or {model: folder}"),
         SettingKey("losses", \.losses, "[{component: name, weight: schedule, settings: {…}}, …]"),
         SettingKey("teacher_outputs", \.teacherOutputs,
                    "auto: computed once per example and reused each epoch unless a component needs them online; cached; online"),
         SettingKey("augment", \.augment, "{component: name, settings: {…}}: an augmenter whose texts the teacher labels and the student also learns from")]
            + TrainingBlock.trainingKeys(\.training)
    }

    /// The student (a component, or nil for a model folder), the losses and the augmenter, resolved once.
    struct Plan {
        let student: ResolvedComponent?
        let losses: [ResolvedComponent]
        let augmenter: ResolvedComponent?
    }

    func plan(_ check: StageCheck) throws -> Plan {
        var resolvedStudent: ResolvedComponent?
        if let model = student.model {
            try check.recipe.checkFile(model, path: check.path + ".student.model", inside: "config.json")
            if let teacher = check.recipe.teacher,
               let count = try check.recipe.checkModelFolder(model, path: check.path + ".student.model",
                                                              tokenizer: teacher.tokenizer ?? teacher.model,
                                                              tokenizerPath: teacher.tokenizer == nil ? "teacher.model" : "teacher.tokenizer",
                                                              labels: check.labels),
               count < check.positions?.count ?? Int.max {
                check.positions = (count, model)
            }
            try check.rejectKeys(["component", "settings", "weight"], at: "student", known: ["model"])
        } else {
            try check.rejectKeys(["weight"], at: "student", known: ["component", "settings", "model"])
            resolvedStudent = try check.resolve(student, kind: .student, key: "student")
        }
        guard !losses.isEmpty else { throw check.invalid("losses", "a distill stage needs at least one loss") }
        let resolvedLosses = try losses.indices.map { l in
            try check.rejectKeys(["model"], at: "losses[\(l)]", known: ["component", "weight", "settings"])
            return try check.resolve(losses[l], kind: .loss, key: "losses[\(l)]")
        }
        var augmenter: ResolvedComponent?
        if let augment {
            try check.rejectKeys(["model", "weight"], at: "augment", known: ["component", "settings"])
            if check.recipe.data.pairColumn != nil { throw check.invalid("augment", "augmenting sentence pairs is not supported") }
            augmenter = try check.resolve(augment, kind: .augmenter, key: "augment")
        }
        return Plan(student: resolvedStudent, losses: resolvedLosses, augmenter: augmenter)
    }

    func run(_ plan: Plan, in run: StageRun) throws -> StageRecord {
        let teacher = try run.currentModel()
        var context = run.componentContext(teacher: teacher)
        let losses = try plan.losses.map { (loss: try $0.make(as: (any Loss).self, context: context), weight: $0.weight) }
        let request = losses.reduce(into: OutputRequest()) { $0.formUnion($1.loss.request) }
        var train = try run.split(.train)
        var transfer: TransferSetAugmentation?
        if let augmenter = plan.augmenter {
            transfer = try TransferSetAugmentation(augmenter: augmenter.make(as: (any Augmenter).self, context: context),
                                                   teacher: teacher, request: request, run: run)
            train = transfer?.train ?? train
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
        let needsTeacher = losses.contains { $0.loss.needsTeacher }
        let cache = needsTeacher ? try teacherCache(components: [studentModel] + losses.map(\.loss), request: request,
                                                    filled: transfer?.cache, run: run) : nil
        var settings = training.settings
        settings.seed = run.recipe.seed
        let trainer = try Trainer(model: studentModel, train: train, settings: settings) { batch, progress in
            let studentOutput = try studentModel.forward(batch, request: request, training: true)
            func runTeacher() throws -> ModelOutput {
                try withoutGradient { try teacher.forward(batch, request: request, training: false) }
            }
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
        let record = StageRecord(type: Self.type, model: try run.made(studentModel, losses: stepLosses, epochs: epochs))
        // Later stages read the student back from its folder: a BERT student saved as a plain
        // BERT folder continues as a BertModel (what pruners and quantizers work on).
        run.state.model = nil
        return record
    }

    /// The cache for the teacher's outputs, or nil when the teacher must run on every batch:
    /// `teacher_outputs: online`, or `auto` with a student or loss that says so (`OnlineTeacherOutputs`).
    /// `filled` holds outputs computed already (the augmented transfer set's).
    private func teacherCache(components: [Any], request: OutputRequest, filled: TeacherOutputCache?, run: StageRun) throws -> TeacherOutputCache? {
        let online = components.compactMap { $0 as? any OnlineTeacherOutputs }.filter(\.needsOnlineTeacherOutputs)
        switch teacherOutputs {
        case .online:
            return nil
        case .auto:
            return online.isEmpty ? filled ?? TeacherOutputCache(request: request) : nil
        case .cached:
            guard online.isEmpty else {
                throw run.failure("teacher_outputs: cached, but \(online.map { "\(Swift.type(of: $0))" }.joined(separator: ", ")) needs the teacher run on every batch")
            }
            return filled ?? TeacherOutputCache(request: request)
        }
    }
}
