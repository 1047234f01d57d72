import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

@Suite("BiLSTM student")
struct BiLSTMStudentTests {
    static let names = ["negative", "positive"]

    /// A student over `tinyBert`'s 50-token vocabulary.
    func student(_ yaml: String, teacher: BertModel? = tinyBert(layers: 1), texts: [String] = []) throws -> any Student {
        var context = ComponentContext(labelCount: 2, seed: 5)
        context.teacher = teacher.map(HeldTeacher.init)
        let tokens = (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (5..<50).map { "w\($0)" })
        context.tokenizer = try WordPieceTokenizer(vocabulary: try Vocabulary(tokens: tokens))
        let labels = try LabelVocabulary(Self.names)
        context.training = TextDataset(examples: texts.map { TextExample(text: $0, label: "positive", labelID: 1) }, labels: labels)
        return try firstPartyHost().make("bilstm", as: (any Student).self, config: .yaml(yaml), context: context)
    }

    static let rows: [[Int32]] = [[2, 7, 9, 11, 3], [2, 12, 3], [2, 40, 41, 42, 43, 44, 3]]

    func logits(_ model: any Model, _ batch: Batch = tokenBatch(rows)) throws -> [Float] {
        try withoutGradient { try #require(try model.forward(batch, request: [], training: false).logits).scalars }
    }

    @Test(arguments: ["{pooling: final}", "{pooling: max, lstm_size: 5, relu_size: 7}", "{embeddings: random, embedding_size: 6}",
                      "{vocabulary: teacher}"])
    func aSavedStudentReloadsThroughTheHostWithTheSameLogits(settings: String) throws {
        let made = try student(settings, texts: ["w7 w9 w11", "w12"])
        let folder = try TestEnvironment.temporaryFolder("bilstm-save-\(UUID().uuidString.prefix(8))").appendingPathComponent("student")
        try made.save(to: folder.path)
        let loaded = try ModelFolder.load(folder.path, host: firstPartyHost())
        #expect(loaded.labels == Self.names && loaded.parameterCount == made.parameterCount)
        #expect(loaded.namedParameters.map(\.name) == made.namedParameters.map(\.name))
        for (a, b) in zip(try logits(made), try logits(loaded)) { expectClose(a, Double(b)) }
    }

    @Test func theEmbeddingsStartAsTheTeachersAndTrainingKeepsOnlyItsTokens() throws {
        let teacher = tinyBert(layers: 1)
        let all = try student("{vocabulary: teacher}", teacher: teacher)
        #expect(try #require(all.parameter(named: "embedding.weight")).value.scalars == teacher.wordEmbeddings.value.scalars)
        let kept = try student("{vocabulary: training}", teacher: teacher, texts: ["w7 w9", "w9 w11"])
        // [PAD] [UNK] [CLS] [SEP] [MASK] w7 w9 w11
        let table = try #require(kept.parameter(named: "embedding.weight")).value
        #expect(table.shape == [8, 16])
        #expect(Array(table.scalars[5 * 16..<6 * 16]) == Array(teacher.wordEmbeddings.value.scalars[7 * 16..<8 * 16]))
        // A token without a row reads [UNK]'s: w40 and w41 give the same logits as [UNK].
        let unknown = try logits(kept, tokenBatch([[2, 1, 3]])), unseen = try logits(kept, tokenBatch([[2, 40, 3]]))
        #expect(unknown == unseen)
    }

    @Test(arguments: ["final", "max"])
    func paddingDoesNotChangeAnExamplesLogits(pooling: String) throws {
        let made = try student("{pooling: \(pooling)}")
        let alone = try logits(made, tokenBatch([Self.rows[1]]))
        let padded = try logits(made, tokenBatch([Self.rows[1], Self.rows[2]]))
        for (a, b) in zip(alone, padded.prefix(2)) { expectClose(a, Double(b)) }
    }

    @Test(arguments: ["final", "max"])
    func gradientsMatchFiniteDifferences(pooling: String) throws {
        let made = try student("{pooling: \(pooling), lstm_size: 4, relu_size: 5, dropout: 0, vocabulary: teacher}")
        let batch = tokenBatch(Self.rows, labels: [1, 0, 1])
        func loss() throws -> Tensor { try crossEntropy(try made.forward(batch, request: [], training: true).logits!, labels: batch.labels!) }
        try loss().backward()
        for (name, index) in [("embedding.weight", 9 * 16 + 3), ("lstm.weight_hh_l0", 5), ("lstm.weight_ih_l0_reverse", 17),
                              ("lstm.bias_hh_l0_reverse", 2), ("dense.weight", 6), ("classifier.bias", 1)] {
            let parameter = try #require(made.parameter(named: name))
            let analytic = try #require(parameter.grad).scalars[index]
            let original = parameter.value.scalars
            func at(_ delta: Float) throws -> Double {
                var values = original
                values[index] += delta
                parameter.value = Tensor(shape: parameter.shape, scalars: values)
                return Double(try withoutGradient { try loss().item })
            }
            let numeric = (try at(1e-2) - (try at(-1e-2))) / 2e-2
            parameter.value = Tensor(shape: parameter.shape, scalars: original)
            expectClose(analytic, numeric, atol: 2e-3, rtol: 2e-2)
        }
    }

    @Test("logits and every gradient match PyTorch's modules (scripts/make-bilstm-fixtures.py)", arguments: ["final", "max"])
    func matchesPyTorch(pooling: String) throws {
        let folder = TestEnvironment.fixtureSources.appendingPathComponent("bilstm-\(pooling)")
        let model = try ModelFolder.load(folder.path, host: firstPartyHost())
        let golden = try SafetensorsFile(path: folder.appendingPathComponent("golden.safetensors").path)
        let ids = try golden.integers(named: "ids", as: Int32.self), lengths = try golden.integers(named: "lengths", as: Int32.self).scalars
        let (b, t) = (ids.shape[0], ids.shape[1])
        let mask = (0..<(b * t)).map { Int32($0 % t < Int(lengths[$0 / t]) ? 1 : 0) }
        let labels = try golden.integers(named: "labels", as: Int32.self).scalars
        let batch = Batch(inputIDs: IntTensor(shape: [b, t], scalars: ids.scalars), attentionMask: IntTensor(shape: [b, t], scalars: mask),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: [b, t]), labels: IntTensor(shape: [b], scalars: labels))
        let logits = try #require(try model.forward(batch, request: [], training: true).logits)
        func expectSame(_ a: Tensor, _ b: Tensor, _ what: String) {
            #expect(a.shape == b.shape, "\(what): \(a.shape) vs \(b.shape)")
            for (x, y) in zip(a.scalars, b.scalars) { expectClose(x, Double(y), atol: 1e-5, rtol: 1e-4) }
        }
        expectSame(logits, try golden.tensor(named: "logits"), "logits")
        try crossEntropy(logits, labels: try #require(batch.labels)).backward()
        for (name, parameter) in model.namedParameters {
            expectSame(try #require(parameter.grad, "\(name)"), try golden.tensor(named: "grad.\(name)"), name)
        }
    }

    @Test func badInputsThrowInsteadOfTrapping() throws {
        let made = try student("{}")
        #expect {
            _ = try made.forward(tokenBatch([[2, 50, 3]]), request: [], training: false)
        } throws: { String(describing: $0) == "bilstm: token id 50 is outside the teacher's 50-token vocabulary" }
        let empty = Batch(inputIDs: IntTensor(shape: [1, 2], scalars: [0, 0]), attentionMask: IntTensor(shape: [1, 2], scalars: [0, 0]),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: [1, 2]))
        #expect {
            _ = try made.forward(empty, request: [], training: false)
        } throws: { String(describing: $0) == "bilstm: example 0 of the batch has no tokens" }
        #expect {
            _ = try student("{embedding_size: 8}")
        } throws: { String(describing: $0) == "embedding_size: is the teacher's hidden size with embeddings: teacher; set embeddings: random to use 8" }
        let folder = try TestEnvironment.temporaryFolder("bilstm-bad").appendingPathComponent("student")
        try made.save(to: folder.path)
        let config = folder.appendingPathComponent("config.json")
        try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "\"lstm_size\" : 150", with: "\"lstm_size\" : 151")
            .write(to: config, atomically: true, encoding: .utf8)
        #expect {
            _ = try ModelFolder.load(folder.path, host: firstPartyHost())
        } throws: { "\($0)".hasSuffix("lstm.weight_ih_l0 is [600, 16], but config.json's sizes make it [604, 16]") }
    }
}
