import BertSlimSDK
import Testing

/// Optimizers, schedules and clipping against PyTorch / transformers golden values
/// (Fixtures/optim.json, from scripts/make-optim-fixtures.py).
@Suite struct OptimizerTests {
    let fixture: OptimFixture

    init() throws { fixture = try OptimFixture.load() }

    /// Parameters named and ordered as in the fixture, holding its initial values.
    func namedParameters(_ initial: [String: OptimFixture.Values]) throws -> [(name: String, parameter: Parameter)] {
        try fixture.order.map { name in (name, Parameter(try #require(initial.tensor(name), "fixture lacks \(name)"))) }
    }

    func setGradients(_ named: [(name: String, parameter: Parameter)], _ grads: [String: OptimFixture.Values]) throws {
        for (name, parameter) in named {
            let grad = try #require(grads.tensor(name), "fixture lacks grad \(name)")
            parameter.grad = grad
        }
    }

    @Test func adamWWithTwoGroupsClippingAndWarmupMatchesTorch() throws {
        let c = fixture.adamw, s = c.settings
        let named = try namedParameters(c.params)
        #expect(named.filter { ParameterGroup.isExemptFromWeightDecay($0.name) }.map(\.name) == c.no_decay)
        var groups = ParameterGroup.weightDecayGroups(named, weightDecay: s.weight_decay)
        groups[1].learningRateScale = s.no_decay_lr_scale
        let adam = try AdamW(groups: groups, learningRate: s.lr, beta1: s.beta1, beta2: s.beta2, epsilon: s.eps)
        let schedule = LinearDecaySchedule(warmupSteps: s.warmup_steps, totalSteps: s.total_steps)

        for (k, expected) in c.steps.enumerated() {
            try setGradients(named, c.grads[k])
            let norm = clipGradientNorm(adam.parameters, maxNorm: s.max_norm)
            let torchNorm = try #require(expected.norm)
            #expect(abs(norm - torchNorm) <= 1e-6 * torchNorm, "step \(k): norm \(norm) vs \(torchNorm)")
            let clipped = try #require(expected.clipped_grads)
            for (name, parameter) in named {
                expectClose(try #require(parameter.grad), try #require(clipped.tensor(name)), atol: 1e-7, rtol: 1e-5,
                            "step \(k) clipped grad \(name)")
            }
            adam.setLearningRate(from: schedule, base: s.lr)
            expectClose(adam.groups.map { adam.learningRate * $0.learningRateScale }, expected.lrs.map { Float($0) },
                        atol: 0, rtol: 1e-6, "step \(k) learning rates")
            adam.step()
            for (name, parameter) in named {
                expectClose(parameter.value, try #require(expected.params.tensor(name)), atol: 1e-6, rtol: 1e-5,
                            "step \(k) \(name)")
            }
        }
        #expect(adam.stepCount == c.steps.count)

        // The moment buffers, saved under each parameter's position in group order.
        let state = adam.state
        for (index, parameter) in adam.parameters.enumerated() {
            let name = try #require(named.first { $0.parameter === parameter }?.name)
            let torchState = try #require(c.state[name])
            #expect(state.metadata["param.\(index).step"] == String(c.steps.count))
            expectClose(try #require(state.tensors["param.\(index).exp_avg"]), try #require(torchState.tensor("exp_avg")),
                        atol: 1e-7, rtol: 1e-5, "exp_avg \(name)")
            expectClose(try #require(state.tensors["param.\(index).exp_avg_sq"]), try #require(torchState.tensor("exp_avg_sq")),
                        atol: 1e-9, rtol: 1e-5, "exp_avg_sq \(name)")
        }
    }

    @Test(arguments: [false, true])
    func sgdWithMomentumAndWeightDecayMatchesTorch(nesterov: Bool) throws {
        let c = nesterov ? fixture.sgd_nesterov : fixture.sgd, s = c.settings
        #expect(s.nesterov == nesterov)
        let named = try namedParameters(c.params)
        let sgd = try SGD(parameters: named.map(\.parameter), learningRate: s.lr, momentum: s.momentum,
                          weightDecay: s.weight_decay, nesterov: nesterov)
        for (k, expected) in c.steps.enumerated() {
            try setGradients(named, c.grads[k])
            sgd.step()
            for (name, parameter) in named {
                expectClose(parameter.value, try #require(expected.params.tensor(name)), atol: 1e-6, rtol: 1e-5,
                            "step \(k) \(name)")
            }
        }
        let state = sgd.state
        for (index, (name, _)) in named.enumerated() {
            expectClose(try #require(state.tensors["param.\(index).momentum_buffer"]),
                        try #require(c.state[name]?.tensor("momentum_buffer")), atol: 1e-6, rtol: 1e-5, "buffer \(name)")
        }
    }

    @Test func schedulesMatchTransformers() throws {
        #expect(fixture.schedules.count == 6)
        for expected in fixture.schedules {
            let schedule: any LearningRateSchedule
            switch expected.kind {
            case "linear":
                schedule = LinearDecaySchedule(warmupSteps: expected.warmup_steps, totalSteps: try #require(expected.total_steps))
            case "cosine":
                schedule = CosineDecaySchedule(warmupSteps: expected.warmup_steps, totalSteps: try #require(expected.total_steps),
                                               cycles: try #require(expected.cycles))
            case "constant":
                schedule = ConstantSchedule(warmupSteps: expected.warmup_steps)
            default:
                Issue.record("unknown schedule kind \(expected.kind) in the fixture")
                continue
            }
            for (step, factor) in expected.factors.enumerated() {
                let ours = schedule.factor(atStep: step)
                #expect(abs(ours - factor) <= 1e-15, "\(expected.kind) warmup \(expected.warmup_steps) step \(step): \(ours) vs \(factor)")
            }
        }
    }

    @Test func clipGradientNormMatchesTorch() throws {
        for (i, expected) in fixture.clipping.enumerated() {
            let parameters = expected.grads.map { Parameter(.zeros($0.shape)) }
            for (parameter, grad) in zip(parameters, expected.grads) { parameter.grad = grad.tensor }
            let withoutGradient = Parameter(.ones([2]))
            let norm = clipGradientNorm(parameters + [withoutGradient], maxNorm: expected.max_norm)
            #expect(abs(norm - expected.norm) <= 1e-6 * expected.norm, "case \(i): \(norm) vs \(expected.norm)")
            for (parameter, clipped) in zip(parameters, expected.clipped) {
                expectClose(try #require(parameter.grad), clipped.tensor, atol: 1e-8, rtol: 1e-6, "case \(i)")
            }
            #expect(withoutGradient.grad == nil)
        }
    }
}

/// Optimizer behaviour that needs no golden values.
@Suite struct OptimizerBehaviourTests {
    @Test func weightDecayGroupsFollowTheBertConvention() {
        let names = ["embeddings.word_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
                     "encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.query.bias",
                     "encoder.layer.0.output.layer_norm.weight", "classifier.weight", "classifier.bias"]
        let named = names.map { (name: $0, parameter: Parameter(.zeros([1]))) }
        let groups = ParameterGroup.weightDecayGroups(named, weightDecay: 0.01, learningRateScale: 2)
        func members(_ group: ParameterGroup) -> [String] {
            group.parameters.compactMap { p in named.first { $0.parameter === p }?.name }
        }
        #expect(members(groups[0]) == ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight",
                                       "classifier.weight"])
        #expect(members(groups[1]) == ["embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
                                       "encoder.layer.0.attention.self.query.bias", "encoder.layer.0.output.layer_norm.weight",
                                       "classifier.bias"])
        #expect(groups.map(\.weightDecay) == [0.01, 0])
        #expect(groups.map(\.learningRateScale) == [2, 2])
    }

    @Test func parametersWithoutGradientsAreLeftAlone() throws {
        let trained = Parameter(Tensor(shape: [2], scalars: [1, 2]))
        let idle = Parameter(Tensor(shape: [2], scalars: [3, 4]))
        let frozen = Parameter(Tensor(shape: [2], scalars: [5, 6]), requiresGrad: false)
        frozen.grad = .ones([2])
        let adam = try AdamW(parameters: [trained, idle, frozen], learningRate: 0.1, weightDecay: 0.5)
        trained.grad = .ones([2])
        adam.step()
        #expect(trained.value.scalars != [1, 2])
        #expect(idle.value.scalars == [3, 4], "no gradient: no update, not even weight decay (as in PyTorch)")
        #expect(frozen.value.scalars == [5, 6])
        #expect(adam.state.tensors.keys.sorted() == ["param.0.exp_avg", "param.0.exp_avg_sq"])
        adam.zeroGrad()
        #expect(trained.grad == nil && frozen.grad == nil)
    }

    @Test func invalidSettingsAreErrorsNotNaNs() {
        let p = [Parameter(.zeros([1]))]
        #expect(throws: OptimizerError.invalidSetting(optimizer: "AdamW", setting: "beta2", reason: "= 1.5 is not in [0.0, 1.0)")) {
            try AdamW(parameters: p, beta2: 1.5)
        }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: p, learningRate: -1e-3) }
        #expect(throws: OptimizerError.self) { try AdamW(parameters: p, learningRate: .nan) }
        #expect(throws: OptimizerError.self) { try AdamW(groups: [ParameterGroup(p, weightDecay: -0.1)]) }
        #expect(throws: OptimizerError.invalidSetting(optimizer: "SGD", setting: "nesterov",
                                                      reason: "needs momentum > 0 and dampening = 0")) {
            try SGD(parameters: p, learningRate: 0.1, nesterov: true)
        }
        #expect(throws: OptimizerError.self) { try SGD(parameters: p, learningRate: 0.1, momentum: .infinity) }
        #expect(throws: OptimizerError.invalidSetting(optimizer: "AdamW", setting: "group 1 parameter 0",
                                                      reason: "is already in a group; list shared parameters once")) {
            try AdamW(groups: [ParameterGroup(p), ParameterGroup(p)])
        }
    }

    @Test func tiedParametersAreClippedOnce() {
        let tied = Parameter(.zeros([2]))
        tied.grad = Tensor(shape: [2], scalars: [3, 4])
        #expect(clipGradientNorm([tied, tied], maxNorm: 1) == 5)
        expectClose(tied.grad?.scalars ?? [], [0.6, 0.6 * 4 / 3], atol: 1e-6)
    }

    @Test func restoringAForeignStateFailsAndChangesNothing() throws {
        let a = Parameter(.ones([2, 2])), b = Parameter(.ones([3]))
        let adam = try AdamW(parameters: [a, b], learningRate: 0.01)
        a.grad = .ones([2, 2]); b.grad = .ones([3])
        adam.step()
        let before = adam.state

        let sgd = try SGD(parameters: [a, b], learningRate: 0.1, momentum: 0.9)
        #expect(throws: OptimizerError.incompatibleState(optimizer: "AdamW", reason: "the state is for SGD")) {
            try adam.restore(sgd.state)
        }
        let other = try AdamW(parameters: [a], learningRate: 0.01)
        #expect(throws: OptimizerError.incompatibleState(optimizer: "AdamW",
                                                         reason: "group 0 has 2 parameters in the state, 1 here")) {
            try other.restore(before)
        }
        var damaged = before
        damaged.tensors["param.1.exp_avg"] = .zeros([4])
        #expect(throws: OptimizerError.incompatibleState(optimizer: "AdamW",
                                                         reason: "'param.1.exp_avg' has shape [4], the parameter [3]")) {
            try adam.restore(damaged)
        }
        damaged = before
        damaged.metadata["beta1"] = "zero point nine"
        #expect(throws: OptimizerError.self) { try adam.restore(damaged) }
        damaged.metadata["beta1"] = "1.5"
        #expect(throws: OptimizerError.incompatibleState(optimizer: "AdamW", reason: "'beta1' = 1.5 is out of range")) {
            try adam.restore(damaged)
        }
        damaged = before
        damaged.metadata["group.0.weight_decay"] = "-1.0"
        #expect(throws: OptimizerError.self) { try adam.restore(damaged) }
        #expect(adam.state == before)
    }
}
