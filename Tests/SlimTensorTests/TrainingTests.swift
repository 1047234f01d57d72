import BertSlimSDK
import Foundation
import Testing

/// tanh as a local op (the ops branch brings the library's own): y = tanh x, dx = dy(1 − y²).
func mlpTanh(_ x: Tensor) -> Tensor {
    var y = Tensor(uninitializedShape: x.shape)
    y.withUnsafeMutableBufferPointer { out in
        x.withUnsafeBufferPointer { v in for i in 0..<v.count { out[i] = Foundation.tanh(v[i]) } }
    }
    let saved = y
    return .record(y, inputs: [x]) { g in
        var dx = Tensor(uninitializedShape: g.shape)
        dx.withUnsafeMutableBufferPointer { out in
            g.withUnsafeBufferPointer { dy in
                saved.withUnsafeBufferPointer { y in for i in 0..<y.count { out[i] = dy[i] * (1 - y[i] * y[i]) } }
            }
        }
        return [dx]
    }
}

/// A 2 → 16 → 16 → 1 tanh network with Hugging Face-style parameter names.
final class TinyMLP {
    let named: [(name: String, parameter: Parameter)]

    init(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var named: [(name: String, parameter: Parameter)] = []
        for (i, (inputs, outputs)) in [(2, 16), (16, 16), (16, 1)].enumerated() {
            let std = 1 / Float(inputs).squareRoot()
            named.append(("layers.\(i).weight", Parameter(.randomNormal([outputs, inputs], std: std, using: &generator))))
            named.append(("layers.\(i).bias", Parameter(.zeros([outputs]))))
        }
        self.named = named
    }

    var parameters: [Parameter] { named.map(\.parameter) }

    /// Output and every intermediate tensor (to check that the graph is released).
    func forward(_ x: Tensor) -> (output: Tensor, intermediates: [Tensor]) {
        var h = x
        var intermediates: [Tensor] = []
        for layer in 0..<3 {
            h = linear(h, weight: named[2 * layer].parameter.tensor, bias: named[2 * layer + 1].parameter.tensor)
            intermediates.append(h)
            if layer < 2 {
                h = mlpTanh(h)
                intermediates.append(h)
            }
        }
        return (h, intermediates)
    }
}

/// 64 points in [-1, 1]² with target x₁·x₂: not linear, so only a trained hidden layer fits it.
func saddleData() -> (x: Tensor, y: Tensor) {
    var generator = SeededGenerator(seed: 5)
    let x = Tensor.randomUniform([64, 2], low: -1, high: 1, using: &generator)
    let y = Tensor(shape: [64, 1], scalars: stride(from: 0, to: 128, by: 2).map { x.scalars[$0] * x.scalars[$0 + 1] })
    return (x, y)
}

func meanSquaredError(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    let difference = prediction - target
    return mean(difference * difference)
}

/// One full-batch AdamW step; returns the loss before the step and the tensors it recorded.
@discardableResult
func trainingStep(_ model: TinyMLP, _ optimizer: AdamW, _ data: (x: Tensor, y: Tensor),
                  schedule: some LearningRateSchedule) -> (loss: Float, recorded: [Tensor]) {
    optimizer.zeroGrad()
    let (prediction, intermediates) = model.forward(data.x)
    let loss = meanSquaredError(prediction, data.y)
    loss.backward()
    clipGradientNorm(optimizer.parameters, maxNorm: 1)
    optimizer.setLearningRate(from: schedule, base: 0.02)
    optimizer.step()
    return (loss.item, intermediates + [prediction, loss])
}

func makeAdamW(_ model: TinyMLP) throws -> AdamW {
    try AdamW(groups: ParameterGroup.weightDecayGroups(model.named, weightDecay: 1e-4), learningRate: 0.02)
}

@Suite struct TrainingTests {
    let schedule = CosineDecaySchedule(warmupSteps: 20, totalSteps: 600)

    @Test func adamWFitsATinyMLPToNearZeroLoss() throws {
        let data = saddleData()
        let model = TinyMLP(seed: 1)
        let adam = try makeAdamW(model)
        let initial = withoutGradient { meanSquaredError(model.forward(data.x).output, data.y).item }
        for _ in 0..<600 { trainingStep(model, adam, data, schedule: schedule) }
        let final = withoutGradient { meanSquaredError(model.forward(data.x).output, data.y).item }
        // The target's variance is about 0.1; the best linear fit cannot go below ~0.1.
        #expect(initial > 0.05, "initial loss \(initial)")
        #expect(final < 1e-3, "final loss \(final) (initial \(initial))")
    }

    @Test func memoryStaysFlatStepOverStep() throws {
        let data = saddleData()
        let model = TinyMLP(seed: 2)
        let adam = try makeAdamW(model)
        trainingStep(model, adam, data, schedule: schedule)
        func addresses() -> [UnsafeRawPointer?] {
            let state = adam.state
            let buffers = state.tensors.keys.sorted().compactMap { state.tensors[$0] }
            return (model.parameters.map(\.value) + buffers).map { t in t.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
        }
        let first = addresses()
        #expect(first.count == 3 * model.parameters.count)
        for step in 0..<50 {
            weak var weakNodes: AnyObject?
            var nodes: [() -> AnyObject?] = []
            do {
                let (_, recorded) = trainingStep(model, adam, data, schedule: schedule)
                for tensor in recorded {
                    weak let node = tensor.debugNode
                    nodes.append { node }
                }
                weakNodes = recorded.last?.debugNode
                #expect(nodes.allSatisfy { $0() != nil }, "the step recorded a graph")
            }
            // Every node recorded by the step is gone, and parameters and moment buffers are
            // the same allocations, updated in place.
            #expect(nodes.count == 7 && nodes.allSatisfy { $0() == nil }, "step \(step): graph nodes still alive")
            #expect(weakNodes == nil)
            let moved = zip(addresses(), first).filter { $0 != $1 }.count
            #expect(moved == 0, "step \(step): \(moved) of \(first.count) parameters or optimizer buffers were reallocated")
            #expect(adam.state.tensors.count == 2 * model.parameters.count)
        }
    }

    @Test func resumingFromSavedStateIsBitExact() throws {
        let folder = try TemporaryFolder()
        let data = saddleData()
        let model = TinyMLP(seed: 3)
        let adam = try makeAdamW(model)
        for _ in 0..<20 { trainingStep(model, adam, data, schedule: schedule) }
        try SafetensorsFile.write(tensors: Dictionary(uniqueKeysWithValues: model.named.map { ($0.name, $0.parameter.value) }),
                                  to: folder.file("model.safetensors"))
        try adam.state.write(to: folder.file("optimizer.safetensors"))
        let uninterrupted = (0..<10).map { _ in trainingStep(model, adam, data, schedule: schedule).loss }

        let resumedModel = TinyMLP(seed: 99)
        let weights = try SafetensorsFile(path: folder.file("model.safetensors"))
        for (name, parameter) in resumedModel.named { parameter.value = try weights.tensor(named: name) }
        let resumedAdam = try AdamW(groups: ParameterGroup.weightDecayGroups(resumedModel.named, weightDecay: 0.5),
                                    learningRate: 1)
        try resumedAdam.restore(OptimizerState(path: folder.file("optimizer.safetensors")))
        #expect(resumedAdam.stepCount == 20)
        #expect(resumedAdam.groups.map(\.weightDecay) == [1e-4, 0], "group settings come from the state")
        let resumed = (0..<10).map { _ in trainingStep(resumedModel, resumedAdam, data, schedule: schedule).loss }

        #expect(resumed.map(\.bitPattern) == uninterrupted.map(\.bitPattern))
        for ((name, a), (_, b)) in zip(model.named, resumedModel.named) {
            #expect(a.value.scalars.map(\.bitPattern) == b.value.scalars.map(\.bitPattern), "\(name)")
        }
        #expect(resumedAdam.state == adam.state)
    }
}
