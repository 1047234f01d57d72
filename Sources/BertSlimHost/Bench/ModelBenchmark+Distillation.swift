import BertSlimSDK

extension ModelBenchmark {
    /// Median time of one distillation step: a BERT student of `studentLayers` layers made
    /// from `teacher` (every other layer), forward with dropout, the `hinton-kd` loss (T = 2,
    /// α = 0.5) against the teacher's logits, backward, clipping and AdamW — the workload of
    /// `scripts/bench-vs-pytorch.py distill`.
    /// - Parameters:
    ///   - online: run the teacher's forward pass inside every step; otherwise its logits are
    ///     computed once beforehand, as a distill stage's cache serves them.
    ///   - host: the plugins providing `bert-student` and `hinton-kd`.
    /// - Throws: when the plugins are missing or the student cannot be made.
    public static func distillationStep(teacher: BertModel, studentLayers: Int, batch: Batch, online: Bool, runs: Int,
                                        host: PluginHost) throws -> Timing {
        if teacher.classifierWeight == nil { teacher.addClassifier(labels: ["negative", "positive"], seed: 1) }
        var context = ComponentContext(labelCount: 2, seed: 1)
        context.teacher = ModelTeacher(teacher)
        typealias StudentContract = FirstPartyComponents.BertStudent
        typealias KD = FirstPartyComponents.HintonKD
        let student = try host.make(StudentContract.student, as: (any Student).self,
                                    config: .settings([StudentContract.layersKey: studentLayers]), context: context)
        let loss = try host.make(KD.loss, as: (any Loss).self, config: .settings([KD.temperatureKey: 2, KD.alphaKey: 0.5]))
        let named = student.namedParameters
        let optimizer = try AdamW(groups: ParameterGroup.weightDecayGroups(named, weightDecay: 0.01), learningRate: 1e-4)
        let cached = try withoutGradient { try teacher.forward(batch, request: [], training: false) }
        return try measure(warmup: 2, runs: runs) {
            let teacherOutput = online ? try withoutGradient { try teacher.forward(batch, request: [], training: false) } : cached
            let output = try student.forward(batch, request: [], training: true)
            try loss(student: output, teacher: teacherOutput, batch: batch, progress: 0).backward()
            _ = clipGradientNorm(named.map(\.parameter), maxNorm: 1)
            optimizer.step()
            optimizer.zeroGrad()
        }
    }
}
