import BertSlimSDK
import Foundation
import Testing

/// Physical head removal and head gates on a small random BERT (3 layers × 4 heads of 4).
@Suite struct HeadPruningTests {
    static let config = BertConfig(vocabSize: 40, hiddenSize: 16, numHiddenLayers: 3, numAttentionHeads: 4,
                                   intermediateSize: 24, maxPositionEmbeddings: 16, labels: ["a", "b", "c"])

    static func model() -> BertModel { BertModel(config: config, seed: 3) }

    /// Two padded examples with labels.
    static let batch: Batch = {
        let ids: [Int32] = [2, 7, 9, 11, 13, 3, 2, 21, 8, 3, 0, 0]
        return Batch(inputIDs: IntTensor(shape: [2, 6], scalars: ids),
                     attentionMask: IntTensor(shape: [2, 6], scalars: ids.map { $0 == 0 ? 0 : 1 }),
                     tokenTypeIDs: IntTensor(repeating: 0, shape: [2, 6]), labels: IntTensor(shape: [2], scalars: [2, 0]))
    }()

    /// Gates of ones with zeros at `removed` (original head numbers), for the unpruned model.
    static func gates(zeroing removed: [Int: [Int]]) -> [Tensor] {
        (0..<config.numHiddenLayers).map { l in
            Tensor(shape: [4], scalars: (0..<4).map { (removed[l] ?? []).contains($0) ? 0 : 1 })
        }
    }

    @Test func removingHeadsEqualsGatingThemToZeroAndShrinksTheWeights() throws {
        let removed: [Int: [Int]] = [0: [1], 1: [0, 2, 3], 2: [3, 0]]
        let reference = try withoutGradient { try Self.model().forward(Self.batch, request: [], headGates: Self.gates(zeroing: removed), training: false).logits! }
        let model = Self.model()
        let before = model.parameterCount
        try model.pruneHeads(removed)
        let logits = try withoutGradient { try model.forward(Self.batch, request: [], training: false).logits! }
        #expect(maxDifference(logits, reference) <= 1e-5)
        #expect(model.config.prunedHeads == [0: [1], 1: [0, 2, 3], 2: [0, 3]])
        #expect(model.remainingHeads == [[0, 2, 3], [1], [1, 2]])
        #expect(model.layers.map(\.heads) == [3, 1, 2])
        #expect(model.layers[1].query.shape == [4, 16] && model.layers[1].attentionOutput.shape == [16, 4])
        #expect(model.layers[1].valueBias.shape == [4])
        // each head: q, k, v rows (3·d·H) and their biases (3·d), output columns (H·d)
        #expect(before - model.parameterCount == 6 * (4 * 16 * 4 + 3 * 4))
    }

    @Test func pruningAgainIgnoresRemovedHeadsAndKeepsOriginalNumbers() throws {
        let once = Self.model()
        try once.pruneHeads([0: [0, 2], 2: [1]])
        try once.pruneHeads([0: [2, 3], 2: [1]])   // 2 and 1 are already gone
        #expect(once.config.prunedHeads == [0: [0, 2, 3], 2: [1]])
        #expect(once.remainingHeads[0] == [1])
        let reference = try withoutGradient { try Self.model().forward(Self.batch, request: [], headGates: Self.gates(zeroing: [0: [0, 2, 3], 2: [1]]), training: false).logits! }
        #expect(maxDifference(try withoutGradient { try once.forward(Self.batch, request: [], training: false).logits! }, reference) <= 1e-5)
    }

    @Test func aPrunedModelSavesAndReloadsWithItsLayout() throws {
        let model = Self.model()
        try model.pruneHeads([0: [3], 1: [1, 2], 2: [0, 1, 2]])
        let logits = try withoutGradient { try model.forward(Self.batch, request: [], training: false).logits! }
        try withTemporaryDirectory { folder in
            try model.save(to: folder)
            let text = try String(contentsOfFile: folder + "/config.json", encoding: .utf8)
            #expect(text.contains("\"pruned_heads\""))
            let reloaded = try BertModel.load(directory: folder)
            #expect(reloaded.remainingHeads == model.remainingHeads)
            #expect(maxDifference(try withoutGradient { try reloaded.forward(Self.batch, request: [], training: false).logits! }, logits) == 0)
        }
    }

    @Test(arguments: [
        ([5: [0]], HeadPruningError.layerOutOfRange(layer: 5, layers: 3)),
        ([1: [4]], HeadPruningError.headOutOfRange(layer: 1, head: 4, heads: 4)),
        ([0: [1], 2: [0, 1, 2, 3]], HeadPruningError.lastHead(layer: 2)),
    ] as [([Int: [Int]], HeadPruningError)])
    func badRequestsThrowAndChangeNothing(request: [Int: [Int]], expected: HeadPruningError) throws {
        let model = Self.model()
        #expect(throws: expected) { try model.pruneHeads(request) }
        #expect(model.config.prunedHeads.isEmpty && model.layers.map(\.heads) == [4, 4, 4])
        #expect(expected.description.contains("layer"))
    }

    @Test func gatesOfTheWrongShapeAreErrorsNotTraps() throws {
        let model = Self.model()
        try model.pruneHeads([1: [0]])
        #expect(throws: HeadPruningError.gateShape(layer: 1, expected: [3], found: [4])) {
            try model.forward(Self.batch, request: [], headGates: Self.gates(zeroing: [:]), training: false)
        }
        #expect(throws: HeadPruningError.gateCount(layers: 3, found: 1)) {
            try model.forward(Self.batch, request: [], headGates: [Tensor.ones([4])], training: false)
        }
    }

    /// dL/dξ from autograd against central differences of the loss (Float64 accumulation of
    /// a Float32 model, so the tolerance is loose but far below the gradients' size).
    @Test func gateGradientsMatchFiniteDifferences() throws {
        let model = Self.model()
        try model.pruneHeads([2: [1]])
        let layout = model.layers.map(\.heads)
        func loss(_ gates: [Tensor]) throws -> Tensor {
            try crossEntropy(try model.forward(Self.batch, request: [], headGates: gates, training: false).logits!,
                             labels: Self.batch.labels!)
        }
        let parameters = layout.map { Parameter(Tensor(shape: [$0], scalars: (0..<$0).map { 1 - 0.1 * Float($0) })) }
        try loss(parameters.map(\.tensor)).backward()
        let epsilon: Float = 1e-2
        var checked = 0
        for (l, gate) in parameters.enumerated() {
            let analytic = try #require(gate.grad).scalars
            for h in 0..<layout[l] {
                func shifted(_ delta: Float) throws -> Float {
                    var values = parameters.map(\.value)
                    var scalars = values[l].scalars
                    scalars[h] += delta
                    values[l] = Tensor(shape: [layout[l]], scalars: scalars)
                    return try withoutGradient { try loss(values).item }
                }
                let numeric = (try shifted(epsilon) - shifted(-epsilon)) / (2 * epsilon)
                #expect(abs(numeric - analytic[h]) <= 2e-3 + 2e-2 * abs(analytic[h]), "layer \(l) head \(h): \(numeric) vs \(analytic[h])")
                checked += 1
            }
        }
        #expect(checked == 11)
    }
}
