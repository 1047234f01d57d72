import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `tinybert` loss against PyTorch (scripts/make-tinybert-fixtures.py), in value and in
/// gradients with respect to the student's internals and the loss's own projections; its layer
/// map; and a finite-difference check through a real student.
@Suite("TinyBERT loss")
struct TinyBERTLossTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tinybert-loss.safetensors").path

    /// Models of the fixture's shapes: a 2-layer student of width 6, a 3-layer teacher of width 8.
    static func models() -> (student: BertModel, teacher: BertModel) {
        func model(_ hidden: Int, _ layers: Int, seed: UInt64) -> BertModel {
            BertModel(config: BertConfig(vocabSize: 30, hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: 2,
                                         intermediateSize: 12, maxPositionEmbeddings: 16, labels: ["negative", "positive"]), seed: seed)
        }
        return (model(6, 2, seed: 1), model(8, 3, seed: 2))
    }

    func loss(_ yaml: String, student: any Model, teacher: any Model, seed: UInt64 = 3) throws -> any Loss {
        var context = ComponentContext(labelCount: 2, teacher: HeldTeacher(teacher), seed: seed)
        context.student = student
        return try firstPartyHost().make("tinybert", as: (any Loss).self, config: .yaml(yaml), context: context)
    }

    @Test(arguments: 0..<5)
    func matchesPyTorchInValueAndGradients(index: Int) throws {
        let file = try SafetensorsFile(path: Self.fixture)
        func tensor(_ name: String) throws -> Tensor { try file.tensor(named: name) }
        let flags = try file.integers(named: "case.\(index).parts", as: Int64.self).scalars
        let names = ["embedding", "hidden", "attention", "prediction"]
        let parts = zip(names, flags).filter { $0.1 == 1 }.map(\.0)
        let map = try file.integers(named: "case.\(index).map", as: Int64.self).scalars
        let temperature = try tensor("case.\(index).temperature").item
        let (studentModel, teacherModel) = Self.models()
        let layerMap = flags[1] == 1 || flags[2] == 1 ? "layer_map: [\(map.map(String.init).joined(separator: ", "))], " : ""
        let loss = try self.loss("{parts: [\(parts.joined(separator: ", "))], \(layerMap)temperature: \(temperature)}",
                                 student: studentModel, teacher: teacherModel)
        let projections = Dictionary(uniqueKeysWithValues: loss.parameters.map { ($0.name, $0.parameter) })
        #expect(Set(projections.keys) == Set([flags[0] == 1 ? "embedding_projection" : nil, flags[1] == 1 ? "hidden_projection" : nil].compactMap { $0 }))
        projections["embedding_projection"]?.value = try tensor("w_e")
        projections["hidden_projection"]?.value = try tensor("w_h")

        let hidden = try (0..<3).map { Parameter(try tensor("student.hidden.\($0)")) }
        let scores = try (0..<2).map { Parameter(try tensor("student.scores.\($0)")) }
        let logits = Parameter(try tensor("student.logits"))
        let student = ModelOutput(logits: logits.tensor, hiddenStates: hidden.map(\.tensor), attentionScores: scores.map(\.tensor))
        let teacher = ModelOutput(logits: try tensor("teacher.logits"), hiddenStates: try (0..<4).map { try tensor("teacher.hidden.\($0)") },
                                  attentionScores: try (0..<3).map { try tensor("teacher.scores.\($0)") })
        let mask = try file.integers(named: "mask", as: Int64.self)
        let ids = IntTensor(repeating: 5, shape: mask.shape)
        let batch = Batch(inputIDs: ids, attentionMask: IntTensor(shape: mask.shape, scalars: mask.scalars.map { Int32($0) }),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape))
        let value = try loss(student: student, teacher: teacher, batch: batch, progress: 0)
        expectClose(value.item, Double(try tensor("case.\(index).loss").item), atol: 1e-5, rtol: 1e-5)
        value.backward()
        var inputs: [(String, Parameter?)] = (0..<3).map { ("student.hidden.\($0)", hidden[$0]) } + (0..<2).map { ("student.scores.\($0)", scores[$0]) }
        inputs += [("student.logits", logits), ("w_e", projections["embedding_projection"]), ("w_h", projections["hidden_projection"])]
        for (name, parameter) in inputs {
            let expected = try tensor("case.\(index).grad.\(name)").scalars
            let got = parameter?.grad?.scalars ?? [Float](repeating: 0, count: expected.count)
            for (g, e) in zip(got, expected) { expectClose(g, Double(e), atol: 1e-6, rtol: 1e-4) }
        }
    }

    @Test func theDefaultMapIsEvenlySpacedTopToTop() throws {
        let cases: [((Int, Int), [Int])] = [((6, 4), [1, 2, 4, 5]), ((12, 4), [2, 5, 8, 11]), ((3, 2), [1, 2]), ((6, 6), [0, 1, 2, 3, 4, 5]),
                                            ((6, 1), [5]), ((2, 4), [0, 0, 1, 1])]
        for ((n, m), expected) in cases {
            let student = BertModel(config: BertConfig(vocabSize: 30, hiddenSize: 4, numHiddenLayers: m, numAttentionHeads: 2,
                                                       intermediateSize: 8, maxPositionEmbeddings: 8, labels: ["a", "b"]), seed: 1)
            let teacher = BertModel(config: BertConfig(vocabSize: 30, hiddenSize: 4, numHiddenLayers: n, numAttentionHeads: 2,
                                                       intermediateSize: 8, maxPositionEmbeddings: 8, labels: ["a", "b"]), seed: 2)
            // A map equal to the default gives the same loss as none on the same inputs.
            let batch = Batch(inputIDs: IntTensor(shape: [2, 4], scalars: [2, 7, 9, 3, 2, 8, 3, 0]),
                              attentionMask: IntTensor(shape: [2, 4], scalars: [1, 1, 1, 1, 1, 1, 1, 0]),
                              tokenTypeIDs: IntTensor(repeating: 0, shape: [2, 4]))
            let s = try student.forward(batch, request: [.hiddenStates, .attentionScores], training: false)
            let t = try teacher.forward(batch, request: [.hiddenStates, .attentionScores], training: false)
            let implicit = try self.loss("{parts: [hidden, attention]}", student: student, teacher: teacher)
            let explicit = try self.loss("{parts: [hidden, attention], layer_map: \(expected)}", student: student, teacher: teacher)
            let a = try implicit(student: s, teacher: t, batch: batch).item, b = try explicit(student: s, teacher: t, batch: batch).item
            #expect(a == b, "\(n) → \(m): default \(a), \(expected) \(b)")
        }
    }

    @Test func mapsAndHeadCountsThatDoNotFitAreRefusedWhenBuilt() throws {
        let (student, teacher) = Self.models()
        #expect(throws: (any Error).self) { try self.loss("{parts: [hidden], layer_map: [0, 3]}", student: student, teacher: teacher) }
        #expect(throws: (any Error).self) { try self.loss("{parts: [hidden], layer_map: [0]}", student: student, teacher: teacher) }
        let narrow = BertModel(config: BertConfig(vocabSize: 30, hiddenSize: 6, numHiddenLayers: 2, numAttentionHeads: 3,
                                                  intermediateSize: 12, maxPositionEmbeddings: 16, labels: ["a", "b"]), seed: 1)
        #expect(throws: (any Error).self) { try self.loss("{parts: [attention]}", student: narrow, teacher: teacher) }
        _ = try self.loss("{parts: [hidden]}", student: narrow, teacher: teacher)
        _ = try self.loss("{parts: [prediction]}", student: narrow, teacher: teacher)
    }

    /// The loss through a real student: its gradient for a few student weights and a projection
    /// entry equals a central finite difference (double-checked in float: step 1e-2, loose tolerance).
    @Test func gradientsThroughTheStudentMatchFiniteDifferences() throws {
        let (student, teacher) = Self.models()
        let loss = try self.loss("{parts: [embedding, hidden, attention, prediction], temperature: 2}", student: student, teacher: teacher)
        let batch = Batch(inputIDs: IntTensor(shape: [2, 5], scalars: [2, 7, 9, 3, 4, 2, 8, 3, 0, 0]),
                          attentionMask: IntTensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: [2, 5]))
        let request: OutputRequest = [.hiddenStates, .attentionScores]
        let t = try teacher.forward(batch, request: request, training: false)
        func value() throws -> Float {
            try withoutGradient { try loss(student: try student.forward(batch, request: request, training: false), teacher: t, batch: batch).item }
        }
        let total = try loss(student: try student.forward(batch, request: request, training: false), teacher: t, batch: batch)
        total.backward()
        let named = Dictionary(uniqueKeysWithValues: (student.namedParameters + loss.parameters).map { ($0.name, $0.parameter) })
        for (name, index) in [("encoder.layer.0.attention.self.query.weight", 7), ("encoder.layer.1.output.dense.weight", 3),
                              ("embeddings.word_embeddings.weight", 6 * 7 + 2), ("classifier.weight", 4), ("hidden_projection", 13),
                              ("embedding_projection", 5)] {
            let parameter = try #require(named[name])
            let analytic = try #require(parameter.grad).scalars[index]
            let h: Float = 1e-2
            var plus = parameter.value.scalars, minus = plus
            plus[index] += h
            minus[index] -= h
            let original = parameter.value
            parameter.value = Tensor(shape: original.shape, scalars: plus)
            let up = try value()
            parameter.value = Tensor(shape: original.shape, scalars: minus)
            let down = try value()
            parameter.value = original
            let numeric = (up - down) / (2 * h)
            #expect(abs(numeric - analytic) <= 2e-3 + 0.05 * abs(analytic), "\(name)[\(index)]: analytic \(analytic), numeric \(numeric)")
        }
    }
}
