import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

@Suite("Logistic-regression student")
struct LogisticRegressionStudentTests {
    static let texts = ["A gripping, beautifully acted drama.", "a tedious mess", "beautifully shot but tedious",
                        "the cast is gripping", "a mess of a film", "a beautifully gripping film"]
    static let labels: [Int32] = [1, 0, 0, 1, 0, 1]

    func training() throws -> TextDataset {
        let names = try LabelVocabulary(["negative", "positive"])
        return TextDataset(examples: zip(Self.texts, Self.labels).map {
            TextExample(text: $0.0, label: names.names[Int($0.1)], labelID: $0.1)
        }, labels: names)
    }

    func student(_ yaml: String = "{min_count: 1}", fitted: Bool = true) throws -> any Student {
        var context = ComponentContext(labelCount: 2, seed: 1)
        if fitted { context.training = try training() }
        return try firstPartyHost().make("logistic-regression", as: (any Student).self, config: .yaml(yaml), context: context)
    }

    func textBatch(_ texts: [String], labels: [Int32]? = nil) -> Batch {
        let ids = IntTensor(repeating: 101, shape: [texts.count, 1])
        return Batch(inputIDs: ids, attentionMask: IntTensor(repeating: 1, shape: ids.shape),
                     tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape),
                     labels: labels.map { IntTensor(shape: [texts.count], scalars: $0) }, texts: texts)
    }

    @Test func theVocabularyHoldsTheTrainingNGrams() throws {
        let made = try student("{min_count: 2, ngrams: 2}")
        // Words and pairs in at least two texts: a, beautifully, gripping, tedious, mess, film, the?, "a mess"…
        let weight = try #require(made.parameter(named: "classifier.weight"))
        #expect(weight.shape[0] == 2)
        let words = Set(Self.texts.flatMap { $0.lowercased().split(whereSeparator: { !$0.isLetter }) })
        #expect(weight.shape[1] > 0 && weight.shape[1] < words.count * 2)
        #expect(made.parameterCount == weight.shape[1] * 2 + 2)
    }

    @Test(arguments: ["tfidf", "binary"])
    func sparseForwardGradientsMatchFiniteDifferences(weighting: String) throws {
        let made = try student("{min_count: 1, weighting: \(weighting)}")
        let weight = try #require(made.parameter(named: "classifier.weight")), bias = try #require(made.parameter(named: "classifier.bias"))
        var g = SeededGenerator(seed: 11)
        weight.value = .randomNormal(weight.shape, std: 1, using: &g)
        bias.value = .randomNormal(bias.shape, std: 1, using: &g)
        let batch = textBatch(["a gripping drama", "tedious , tedious mess", "unknown words only"], labels: [1, 0, 1])
        func loss() throws -> Tensor { try crossEntropy(try made.forward(batch, request: [], training: true).logits!, labels: batch.labels!) }
        try loss().backward()
        let analytic = (try #require(weight.grad).scalars, try #require(bias.grad).scalars)
        func numeric(_ parameter: Parameter, _ i: Int) throws -> Double {
            let eps: Float = 1e-2
            let original = parameter.value.scalars
            var plus = original, minus = original
            plus[i] += eps
            minus[i] -= eps
            parameter.value = Tensor(shape: parameter.shape, scalars: plus)
            let up = try withoutGradient { try loss().item }
            parameter.value = Tensor(shape: parameter.shape, scalars: minus)
            let down = try withoutGradient { try loss().item }
            parameter.value = Tensor(shape: parameter.shape, scalars: original)
            return Double(up - down) / Double(2 * eps)
        }
        var nonZero = 0
        for i in 0..<weight.value.count {
            let expected = try numeric(weight, i)
            if analytic.0[i] != 0 { nonZero += 1 }
            expectClose(analytic.0[i], expected, atol: 2e-4, rtol: 1e-2)
        }
        #expect(nonZero > 4)
        for i in 0..<bias.value.count { expectClose(analytic.1[i], try numeric(bias, i), atol: 2e-4, rtol: 1e-2) }
    }

    @Test func savesAFolderTheHostReloadsThroughTheComponent() throws {
        let made = try student()
        var g = SeededGenerator(seed: 3)
        let weight = try #require(made.parameter(named: "classifier.weight"))
        weight.value = .randomNormal(weight.shape, std: 1, using: &g)
        let folder = try TestEnvironment.temporaryFolder("lr-save")
        try made.save(to: folder.path)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["bertslim_component"] as? String == "logistic-regression")
        let empty = try student("{}", fitted: false)
        try empty.load(from: folder.path)
        let batch = textBatch(["a gripping drama", "what a tedious mess"])
        #expect(try empty.forward(batch, request: [], training: false).logits!.scalars
                == made.forward(batch, request: [], training: false).logits!.scalars)
        // Loading into a student with the same features keeps its parameter objects (a resumed
        // run's optimizer holds them) and restores their values.
        let held = try #require(made.parameter(named: "classifier.weight"))
        let saved = held.value.scalars
        held.value = .zeros(held.shape)
        try made.load(from: folder.path)
        #expect(made.parameter(named: "classifier.weight") === held && held.value.scalars == saved)
    }

    @Test func badFoldersAndBatchesAreOneLineErrorsNamingTheFile() throws {
        let made = try student()
        let folder = try TestEnvironment.temporaryFolder("lr-bad")
        try made.save(to: folder.path)
        try "a\n".write(to: folder.appendingPathComponent("vocabulary.txt"), atomically: true, encoding: .utf8)
        do {
            try student("{}", fitted: false).load(from: folder.path)
            Issue.record("no error for a short vocabulary")
        } catch {
            #expect("\(error)".hasPrefix("logistic-regression: \(folder.path)/model.safetensors: classifier.weight"), "\(error)")
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("vocabulary.txt"))
        #expect(throws: ComponentError.self) { try student("{}", fitted: false).load(from: folder.path) }
        var noTexts = textBatch(["x"])
        noTexts.texts = []
        #expect(throws: ComponentError.self) { try made.forward(noTexts, request: [], training: false) }
        #expect(throws: ComponentError.self) { try student("{}", fitted: false).forward(textBatch(["x"]), request: [], training: false) }
    }
}
