import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `ffn-neurons` pruner: its two scores (Taylor against finite differences), uniform and
/// per-layer widths, and a layer's minimum.
@Suite("FFN neuron pruning")
struct NeuronPruningTests {
    static func pruner(_ yaml: String = "{}", context: ComponentContext = ComponentContext()) throws -> any Pruner {
        try firstPartyHost().make("ffn-neurons", as: (any Pruner).self, config: .yaml(yaml), context: context)
    }

    @Test func weightNormIsTheProductOfTheNeuronsRowAndColumnNorms() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let scores = try Self.pruner().score(model, batches: [batch])
        let layer = model.layers[1]
        let (input, output) = (layer.intermediate.value, layer.output.value)   // (16, 8), (8, 16)
        let got = try #require(scores.groups["encoder.layer.1.intermediate.neurons"]).scalars
        for i in 0..<16 {
            let row = (0..<8).map { input.scalars[i * 8 + $0] }, column = (0..<8).map { output.scalars[$0 * 16 + i] }
            let expected = row.map { $0 * $0 }.reduce(0, +).squareRoot() * column.map { $0 * $0 }.reduce(0, +).squareRoot()
            expectClose(got[i], Double(expected), atol: 1e-6, rtol: 1e-5)
        }
    }

    /// The Taylor score |∂L/∂g_i| at gates of one, against central differences of the loss in g_i.
    @Test func taylorScoresMatchFiniteDifferences() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let scores = try Self.pruner("{score: taylor}").score(model, batches: [batch])
        func loss(layer: Int, neuron: Int, delta: Float) throws -> Double {
            let gates = (0..<2).map { l in Tensor(shape: [16], scalars: (0..<16).map { l == layer && $0 == neuron ? 1 + delta : 1 }) }
            return Double(try withoutGradient {
                try crossEntropy(try model.forward(batch, request: [], neuronGates: gates, training: false).logits!, labels: batch.labels!).item
            })
        }
        let epsilon: Float = 1e-2
        for (layer, neuron) in [(0, 0), (0, 7), (1, 3), (1, 15)] {
            let numeric = abs(try loss(layer: layer, neuron: neuron, delta: epsilon) - loss(layer: layer, neuron: neuron, delta: -epsilon)) / Double(2 * epsilon)
            let analytic = try #require(scores.groups["encoder.layer.\(layer).intermediate.neurons"]).scalars[neuron]
            expectClose(analytic, numeric, atol: 2e-4, rtol: 2e-2)
        }
        #expect(model.namedParameters.allSatisfy { $0.parameter.grad == nil && $0.parameter.requiresGrad })
    }

    @Test func uniformPruningLeavesEveryLayerTheSameWidth() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner()
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.5)
        #expect(model.intermediateSizes == [8, 8] && result.fraction == 0.5 && model.config.intermediateSize == 8)
        #expect(result.removed.keys.sorted() == ["encoder.layer.0.intermediate.neurons", "encoder.layer.1.intermediate.neurons"])
        let again = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.75)
        #expect(model.intermediateSizes == [4, 4] && again.fraction == 0.75)
    }

    @Test func perLayerWidthsCompeteAcrossLayersAndKeepTheMinimum() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner("{uniform: false, min_neurons_per_layer: 6}")
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.6)
        #expect(model.intermediateSizes.reduce(0, +) == 32 - 19 && model.intermediateSizes.allSatisfy { $0 >= 6 })
        #expect(abs(result.fraction! - 19.0 / 32) < 1e-12)
        let capped = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.9)
        #expect(model.intermediateSizes == [6, 6] && capped.fraction == 20.0 / 32)
    }
}
