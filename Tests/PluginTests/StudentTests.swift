import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// A teacher holding a model the test made.
final class HeldTeacher: Teacher {
    let model: any Model
    init(_ model: any Model) { self.model = model }
    init(settings: NoSettings, context: ComponentContext) throws { throw ComponentError("held-teacher", "made by tests only") }
}

/// A tiny BERT classifier with `layers` layers.
func tinyBert(layers: Int = 4, hidden: Int = 16, seed: UInt64 = 3) -> BertModel {
    BertModel(config: BertConfig(vocabSize: 50, hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: 2,
                                 intermediateSize: 32, maxPositionEmbeddings: 32, labels: ["negative", "positive"]), seed: seed)
}

/// A batch of token ids, padded with 0 to the longest row.
func tokenBatch(_ rows: [[Int32]], indices: [Int]? = nil, length: Int? = nil, labels: [Int32]? = nil) -> Batch {
    let t = length ?? rows.map(\.count).max()!
    let ids = rows.flatMap { $0 + Array(repeating: 0, count: t - $0.count) }
    let mask = rows.flatMap { Array(repeating: Int32(1), count: $0.count) + Array(repeating: 0, count: t - $0.count) }
    return Batch(inputIDs: IntTensor(shape: [rows.count, t], scalars: ids), attentionMask: IntTensor(shape: [rows.count, t], scalars: mask),
                 tokenTypeIDs: IntTensor(repeating: 0, shape: [rows.count, t]),
                 labels: labels.map { IntTensor(shape: [rows.count], scalars: $0) }, exampleIndices: indices ?? Array(rows.indices))
}

@Suite("BERT student")
struct BertStudentTests {
    func student(_ yaml: String, teacher: BertModel?) throws -> any Student {
        var context = ComponentContext(labelCount: 2, seed: 5)
        context.teacher = teacher.map(HeldTeacher.init)
        return try firstPartyHost().make("bert-student", as: (any Student).self, config: .yaml(yaml), context: context)
    }

    func values(_ model: any Model, _ name: String) throws -> [Float] { try #require(model.parameter(named: name)).value.scalars }

    @Test func everyOtherTeacherLayerEmbeddingsPoolerAndHeadAreCopied() throws {
        let teacher = tinyBert(layers: 4)
        let made = try student("{}", teacher: teacher)
        // Half the depth by default, from teacher layers [0, 2].
        #expect(made.namedParameters.filter { $0.name.hasSuffix("attention.self.query.weight") }.count == 2)
        for (mine, theirs) in [(0, 0), (1, 2)] {
            for suffix in ["attention.self.query.weight", "intermediate.dense.bias", "output.LayerNorm.weight"] {
                #expect(try values(made, "encoder.layer.\(mine).\(suffix)") == values(teacher, "encoder.layer.\(theirs).\(suffix)"))
            }
        }
        for name in ["embeddings.word_embeddings.weight", "embeddings.LayerNorm.bias", "pooler.dense.weight", "classifier.weight"] {
            #expect(try values(made, name) == values(teacher, name))
        }
        #expect(made.parameterCount < teacher.parameterCount)
    }

    @Test func anExplicitLayerMapChoosesTheLayers() throws {
        let teacher = tinyBert(layers: 4)
        let made = try student("{layers: 2, layer_map: [1, 3]}", teacher: teacher)
        #expect(try values(made, "encoder.layer.0.attention.self.key.weight") == values(teacher, "encoder.layer.1.attention.self.key.weight"))
        #expect(try values(made, "encoder.layer.1.attention.self.key.weight") == values(teacher, "encoder.layer.3.attention.self.key.weight"))
    }

    @Test func anotherWidthOrRandomInitialisationCopiesNothing() throws {
        let teacher = tinyBert(layers: 4)
        let narrow = try student("{hidden_size: 8, heads: 2, ffn: 16}", teacher: teacher)
        #expect(try values(narrow, "embeddings.word_embeddings.weight").count == 50 * 8)
        let random = try student("{initialization: random}", teacher: teacher)
        #expect(try values(random, "encoder.layer.0.attention.self.query.weight") != values(teacher, "encoder.layer.0.attention.self.query.weight"))
        #expect(try values(random, "embeddings.word_embeddings.weight") != values(teacher, "embeddings.word_embeddings.weight"))
    }

    @Test func savesAPlainBertFolderThatReloadsWithTheSameLogits() throws {
        let made = try student("{layers: 2}", teacher: tinyBert(layers: 4))
        let folder = try TestEnvironment.temporaryFolder("bert-student-save")
        try made.save(to: folder.path)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["bertslim_component"] == nil && config["num_hidden_layers"] as? Int == 2)
        #expect(config["architectures"] as? [String] == ["BertForSequenceClassification"])
        let reloaded = try BertModel.load(directory: folder.path)
        let batch = tokenBatch([[2, 7, 9, 3], [2, 11, 3]])
        let a = try withoutGradient { try made.forward(batch, request: [], training: false).logits! }
        let b = try withoutGradient { try reloaded.forward(batch, request: [], training: false).logits! }
        #expect(a.scalars == b.scalars)
        // load(from:) rebuilds the whole architecture, even in a student made without a teacher.
        let empty = try student("{}", teacher: nil)
        try empty.load(from: folder.path)
        #expect(try withoutGradient { try empty.forward(batch, request: [], training: false).logits! }.scalars == a.scalars)
        // Into the same architecture it restores values in place (a resumed run's optimizer holds the parameters).
        let held = try #require(made.parameter(named: "encoder.layer.1.output.dense.weight"))
        let saved = held.value.scalars
        held.value = .zeros(held.shape)
        try made.load(from: folder.path)
        #expect(made.parameter(named: "encoder.layer.1.output.dense.weight") === held && held.value.scalars == saved)
    }

    @Test func badShapesAreOneLineErrors() throws {
        let teacher = tinyBert(layers: 4)
        for (yaml, message) in [
            ("{layers: 2, layer_map: [0, 4]}", "bert-student: layer_map entry 4 is not a teacher layer (0..<4)"),
            ("{layers: 3, layer_map: [0, 1]}", "layer_map: has 2 entries for 3 layers"),
            ("{hidden_size: 10, heads: 4}", "heads: 4 heads do not divide hidden_size 10"),
        ] {
            do {
                _ = try student(yaml, teacher: teacher)
                Issue.record("no error for \(yaml)")
            } catch {
                #expect("\(error)".hasSuffix(message), "\(error)")
            }
        }
        let shell = try student("{}", teacher: nil)
        #expect(throws: ComponentError.self) { try shell.forward(tokenBatch([[2, 3]]), request: [], training: false) }
    }
}
