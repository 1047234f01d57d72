import BertSlimSDK
import Foundation

extension ModelBenchmark {
    /// The distillation losses `bench distill` times.
    public enum DistillationLoss: String, CaseIterable, Sendable {
        /// `hinton-kd` at T = 2, α = 0.5: the student's logits against the teacher's.
        case hintonKD = "hinton-kd"
        /// `pkd` at T = 2, α = 0.5, β = 100, `strategy: skip`: also the normalised [CLS] states of
        /// the student's layers but the last against every other teacher layer's.
        case pkd
    }

    /// Median time of one distillation step: a BERT student of `studentLayers` layers made
    /// from `teacher` (every other layer), forward with dropout, the loss against the teacher's
    /// outputs, backward, clipping and AdamW — the workload of `scripts/bench-vs-pytorch.py distill`.
    /// - Parameters:
    ///   - online: run the teacher's forward pass inside every step; otherwise its outputs (with
    ///     [CLS] states for PKD) are computed once beforehand, as a distill stage's cache serves them.
    ///   - host: the plugins providing `bert-student` and the loss.
    /// - Throws: when the plugins are missing or the student cannot be made.
    public static func distillationStep(teacher: BertModel, studentLayers: Int, batch: Batch, online: Bool, runs: Int,
                                        loss: DistillationLoss = .hintonKD, host: PluginHost) throws -> Timing {
        let step = try DistillationStep(teacher: teacher, studentLayers: studentLayers, batch: batch, online: online, loss: loss, host: host)
        return try measure(warmup: 2, runs: runs) { try step.run() }
    }

    /// Median times of a step with each of `losses`, run in alternation on one batch with
    /// students made alike (A, B, then B, A, …: neither always follows the other), so that
    /// their ratio is trustworthy on a shared machine.
    /// - Returns: one timing per loss, in order.
    public static func alternatingDistillationSteps(teacher: BertModel, studentLayers: Int, batch: Batch, online: Bool, runs: Int,
                                                    losses: [DistillationLoss], host: PluginHost) throws -> [Timing] {
        let steps = try losses.map { try DistillationStep(teacher: teacher, studentLayers: studentLayers, batch: batch, online: online,
                                                          loss: $0, host: host) }
        for _ in 0..<2 { for step in steps { try step.run() } }
        var times = [[Double]](repeating: [], count: steps.count)
        for round in 0..<max(runs, 1) {
            let order = round % 2 == 0 ? Array(steps.indices) : steps.indices.reversed()
            for index in order {
                let step = steps[index]
                let start = DispatchTime.now().uptimeNanoseconds
                try step.run()
                times[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
        }
        return times.map { values in
            let sorted = values.sorted()
            return Timing(medianMs: sorted[sorted.count / 2], minMs: sorted[0], maxMs: sorted[sorted.count - 1], runs: sorted.count)
        }
    }
}

/// One distillation step's parts, made once: student, optimizer, loss and the teacher's outputs.
private struct DistillationStep {
    let teacher: BertModel
    let student: any Student
    let loss: any Loss
    let optimizer: AdamW
    let parameters: [Parameter]
    let batch: Batch
    let request: OutputRequest
    let cached: ModelOutput?

    init(teacher: BertModel, studentLayers: Int, batch: Batch, online: Bool, loss kind: ModelBenchmark.DistillationLoss,
         host: PluginHost) throws {
        if teacher.classifierWeight == nil { teacher.addClassifier(labels: ["negative", "positive"], seed: 1) }
        var context = ComponentContext(labelCount: 2, seed: 1)
        context.teacher = ModelTeacher(teacher)
        typealias StudentContract = FirstPartyComponents.BertStudent
        typealias KD = FirstPartyComponents.HintonKD
        typealias PKD = FirstPartyComponents.PKD
        student = try host.make(StudentContract.student, as: (any Student).self,
                                config: .settings([StudentContract.layersKey: studentLayers]), context: context)
        let settings: [String: Any] = [KD.temperatureKey: 2, KD.alphaKey: 0.5]
        switch kind {
        case .hintonKD:
            loss = try host.make(KD.loss, as: (any Loss).self, config: .settings(settings))
        case .pkd:
            loss = try host.make(PKD.loss, as: (any Loss).self,
                                 config: .settings(settings.merging([PKD.strategyKey: PKD.skipStrategy, PKD.betaKey: 100]) { a, _ in a }))
        }
        let named = student.namedParameters
        parameters = named.map(\.parameter)
        optimizer = try AdamW(groups: ParameterGroup.weightDecayGroups(named, weightDecay: 0.01), learningRate: 1e-4)
        self.teacher = teacher
        self.batch = batch
        request = loss.request
        let request = self.request
        cached = online ? nil : try withoutGradient { try teacher.forward(batch, request: request, training: false) }
    }

    func run() throws {
        let teacherOutput = try cached ?? withoutGradient { try teacher.forward(batch, request: request, training: false) }
        let output = try student.forward(batch, request: request, training: true)
        try loss(student: output, teacher: teacherOutput, batch: batch, progress: 0).backward()
        _ = clipGradientNorm(parameters, maxNorm: 1)
        optimizer.step()
        optimizer.zeroGrad()
    }
}
