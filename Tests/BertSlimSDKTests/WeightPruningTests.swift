import BertSlimSDK
import Foundation
import Testing

/// Weight masks (kept through training), sparse BERT folders, and FFN neuron removal on a small
/// random BERT (3 layers, FFN 24).
@Suite struct WeightPruningTests {
    static func model() -> BertModel { HeadPruningTests.model() }
    static let batch = HeadPruningTests.batch

    /// Masks of `model`'s encoder weights keeping about `keep` of each (seeded pattern).
    static func maskEncoder(_ model: BertModel, keep: Float) {
        var g = SeededGenerator(seed: 9)
        for (name, parameter) in model.maskableWeights where name.hasPrefix("encoder.") {
            parameter.mask = Tensor(shape: parameter.shape, scalars: (0..<parameter.value.count).map { _ in g.nextUniform() < keep ? 1 : 0 })
        }
    }

    static func logits(_ model: BertModel, neuronGates: [Tensor]? = nil) throws -> Tensor {
        try withoutGradient {
            try neuronGates.map { try model.forward(batch, request: [], neuronGates: $0, training: false) }
                ?? model.forward(batch, request: [], training: false)
        }.logits!
    }

    @Test func maskedEntriesStayZeroThroughTrainingAndGetNoGradient() throws {
        let model = Self.model()
        Self.maskEncoder(model, keep: 0.3)
        let query = model.layers[1].query
        let mask = try #require(query.mask)
        func maskedValues() -> [Float] { zip(query.value.scalars, mask.scalars).filter { $0.1 == 0 }.map(\.0) }
        #expect(maskedValues().allSatisfy { $0 == 0 } && !maskedValues().isEmpty)
        let optimizer = try AdamW(parameters: model.namedParameters.map(\.parameter), learningRate: 1e-2, weightDecay: 0.01)
        for step in 0..<3 {
            let loss = try crossEntropy(try model.forward(Self.batch, request: [], training: true).logits!, labels: Self.batch.labels!)
            loss.backward()
            if step == 0 {
                let grad = try #require(query.grad).scalars
                #expect(zip(grad, mask.scalars).allSatisfy { $1 != 0 || $0 == 0 })
                #expect(grad.contains { $0 != 0 })
            }
            optimizer.step()
            optimizer.zeroGrad()
            #expect(maskedValues().allSatisfy { $0 == 0 }, "step \(step)")
        }
        #expect(abs(model.maskedFraction(of: [ "encoder.layer.1.attention.self.query.weight"]) - Double(mask.scalars.filter { $0 == 0 }.count) / Double(mask.count)) < 1e-12)
    }

    @Test func aMaskedModelSavesSparseAndReloadsWithItsMasks() throws {
        let model = Self.model()
        Self.maskEncoder(model, keep: 0.1)
        let logits = try Self.logits(model)
        try withTemporaryDirectory { folder in
            try model.save(to: folder)
            #expect(!FileManager.default.fileExists(atPath: folder + "/model.safetensors"))
            let reloaded = try BertModel.load(directory: folder)
            #expect(maxDifference(try Self.logits(reloaded), logits) <= 1e-5)
            for ((_, a), (_, b)) in zip(model.namedParameters, reloaded.namedParameters) {
                #expect(a.mask?.scalars == b.mask?.scalars && a.value.scalars == b.value.scalars)
            }
            // The dense export: Hugging Face's file, zeros included, no masks.
            try model.save(to: folder + "/dense", tokenizerDirectory: nil, dense: true)
            let dense = try BertModel.load(directory: folder + "/dense")
            #expect(dense.namedParameters.allSatisfy { $0.parameter.mask == nil })
            #expect(maxDifference(try Self.logits(dense), logits) <= 1e-5)
            let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            #expect(try size(folder + "/" + BertModel.sparseWeightsFile) < size(folder + "/dense/model.safetensors"))
        }
    }

    @Test(arguments: [
        ("csr_offsets", SafetensorsValue.int32(IntegerArray(shape: [25], scalars: [0] + [Int32](repeating: 5, count: 23) + [1]))),
        ("csr_columns", SafetensorsValue.uint16(IntegerArray(shape: [0], scalars: []))),
    ])
    func inconsistentCSRArraysAreRefusedNamingTheTensor(part: String, bad: SafetensorsValue) throws {
        let model = Self.model()
        Self.maskEncoder(model, keep: 0.2)
        try withTemporaryDirectory { folder in
            try model.save(to: folder)
            let path = folder + "/" + BertModel.sparseWeightsFile
            var values = try SafetensorsFile(path: path).values()
            values["bert.encoder.layer.0.intermediate.dense.weight." + part] = bad
            try SafetensorsFile.write(values, to: path)
            #expect {
                _ = try BertModel.load(directory: folder)
            } throws: { error in
                "\(error)".contains(path) && "\(error)".contains("tensor 'bert.encoder.layer.0.intermediate.dense.weight' (CSR)")
            }
        }
    }

    @Test func removingNeuronsEqualsGatingThemToZero() throws {
        let removed: [Int: [Int]] = [0: [1, 5, 23], 2: Array(0..<20)]
        let gates = (0..<3).map { l in Tensor(shape: [24], scalars: (0..<24).map { (removed[l] ?? []).contains($0) ? 0 : 1 }) }
        let reference = try Self.logits(Self.model(), neuronGates: gates)
        let model = Self.model()
        try model.pruneNeurons(removed)
        #expect(model.intermediateSizes == [21, 24, 4] && model.originalIntermediateSize == 24)
        #expect(model.layers[2].output.shape == [16, 4] && model.layers[2].intermediateBias.shape == [4])
        #expect(maxDifference(try Self.logits(model), reference) <= 1e-5)
        try withTemporaryDirectory { folder in
            try model.save(to: folder)
            let reloaded = try BertModel.load(directory: folder)
            #expect(reloaded.intermediateSizes == [21, 24, 4] && reloaded.originalIntermediateSize == 24)
            #expect(maxDifference(try Self.logits(reloaded), try Self.logits(model)) == 0)
        }
    }

    @Test func uniformNeuronPruningKeepsAPlainIntermediateSize() throws {
        let model = Self.model()
        try model.pruneNeurons([0: [0, 1, 2], 1: [3, 4, 5], 2: [21, 22, 23]])
        #expect(model.config.intermediateSize == 21 && model.config.intermediateSizes == nil)
        #expect(model.config.originalIntermediateSize == 24)
    }

    @Test func pruningHeadsSlicesTheMasks() throws {
        let model = Self.model()
        Self.maskEncoder(model, keep: 0.5)
        let before = try #require(model.layers[0].attentionOutput.mask)
        try model.pruneHeads([0: [1]])
        let after = try #require(model.layers[0].attentionOutput.mask)
        #expect(after.shape == [16, 12])
        let columns: [Int] = [0, 2, 3].flatMap { (h: Int) -> [Int] in Array(h * 4..<(h + 1) * 4) }
        let expected: [Float] = (0..<16).flatMap { (r: Int) -> [Float] in columns.map { before.scalars[r * 16 + $0] } }
        #expect(after.scalars == expected)
    }

    @Test(arguments: [
        ([5: [0]], NeuronPruningError.layerOutOfRange(layer: 5, layers: 3)),
        ([1: [24]], NeuronPruningError.neuronOutOfRange(layer: 1, neuron: 24, neurons: 24)),
        ([0: [1], 2: Array(0..<24)], NeuronPruningError.lastNeuron(layer: 2)),
    ] as [([Int: [Int]], NeuronPruningError)])
    func badNeuronRequestsThrowAndChangeNothing(request: [Int: [Int]], expected: NeuronPruningError) throws {
        let model = Self.model()
        #expect(throws: expected) { try model.pruneNeurons(request) }
        #expect(model.intermediateSizes == [24, 24, 24])
        #expect(throws: NeuronPruningError.gateCount(layers: 3, found: 1)) {
            try model.forward(Self.batch, request: [], neuronGates: [Tensor.ones([24])], training: false)
        }
    }
}
