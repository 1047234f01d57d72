import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `pkd` loss against PyTorch (scripts/make-distill-fixtures.py: the authors' formulation,
/// F.normalize and F.mse_loss), its layer maps, and a finite-difference check of the patient term.
@Suite("BERT-PKD loss")
struct PKDLossTests {
    struct Golden {
        let file: SafetensorsFile
        let student, teacher: Tensor
        let labels: IntTensor
        let studentCLS, teacherCLS: [Tensor]

        init() throws {
            let file = try SafetensorsFile(path: DistillationLossTests.fixture)
            self.file = file
            student = try file.tensor(named: "student")
            teacher = try file.tensor(named: "teacher")
            labels = IntTensor(shape: [student.shape[0]], scalars: try file.integers(named: "labels", as: Int64.self).scalars.map { Int32($0) })
            studentCLS = try (0..<4).map { try file.tensor(named: "pkd.student.cls.\($0)") }
            teacherCLS = try (0..<7).map { try file.tensor(named: "pkd.teacher.cls.\($0)") }
        }

        var batch: Batch {
            let ids = IntTensor(repeating: 101, shape: [student.shape[0], 1])
            return Batch(inputIDs: ids, attentionMask: IntTensor(repeating: 1, shape: ids.shape),
                         tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape), labels: labels)
        }
    }

    func pkd(_ yaml: String) throws -> any Loss { try firstPartyHost().make("pkd", as: (any Loss).self, config: .yaml(yaml)) }

    /// Case `index` of the fixture with `placement` choosing its pairs: the strategy it
    /// follows, or the explicit layer map it equals.
    @Test(arguments: [(0, "strategy: skip"), (0, "layer_map: [1, 3]"), (1, "strategy: last"), (2, "layer_map: [0, 5]"), (3, "strategy: skip")])
    func matchesPyTorchInValueAndGradients(index: Int, placement: String) throws {
        let golden = try Golden()
        func number(_ key: String) throws -> Float { try golden.file.tensor(named: "pkd.\(index).\(key)").item }
        let reduction = try golden.file.integers(named: "pkd.\(index).sum", as: Int64.self).scalars[0] == 1 ? "sum" : "mean"
        let loss = try pkd("{temperature: \(try number("temperature")), alpha: \(try number("alpha")), beta: \(try number("beta")), "
                           + "reduction: \(reduction), \(placement)}")
        let beta = try number("beta")
        #expect(loss.request == (beta > 0 ? [.clsHiddenStates] : []))
        let logits = Parameter(golden.student)
        let states = golden.studentCLS.map { Parameter($0) }
        var student = ModelOutput(logits: logits.tensor)
        student.clsHiddenStates = states.map(\.tensor)
        var teacher = ModelOutput(logits: golden.teacher)
        teacher.clsHiddenStates = golden.teacherCLS
        let value = try loss(student: student, teacher: teacher, batch: golden.batch, progress: 0.4)
        expectClose(value.item, Double(try number("loss")), atol: 1e-5, rtol: 1e-5)
        value.backward()
        for (g, e) in zip(try #require(logits.grad).scalars, try golden.file.tensor(named: "pkd.\(index).grad").scalars) {
            expectClose(g, Double(e), atol: 1e-6, rtol: 1e-4)
        }
        for (layer, state) in states.enumerated() {
            let expected = try golden.file.tensor(named: "pkd.\(index).cls_grad.\(layer)").scalars
            let got = state.grad?.scalars ?? [Float](repeating: 0, count: expected.count)
            for (g, e) in zip(got, expected) { expectClose(g, Double(e), atol: 1e-6, rtol: 1e-4) }
        }
    }

    @Test func strategiesPickThePapersLayers() throws {
        // 12 → 6 as in the paper (1-based {2,4,6,8,10} and {7,8,9,10,11}); 6 → 3 as in our recipes.
        let skip = try PKDTestMaps.pairs("skip", teacher: 12, student: 6), last = try PKDTestMaps.pairs("last", teacher: 12, student: 6)
        #expect(skip == [1, 3, 5, 7, 9] && last == [6, 7, 8, 9, 10])
        #expect(try PKDTestMaps.pairs("skip", teacher: 6, student: 3) == [1, 3])
        #expect(try PKDTestMaps.pairs("last", teacher: 6, student: 3) == [3, 4])
        #expect(try PKDTestMaps.pairs("skip", teacher: 6, student: 1) == [])
    }

    @Test func thePatientTermMatchesFiniteDifferences() throws {
        let golden = try Golden()
        let loss = try pkd("{alpha: 1, temperature: 1, beta: 3, reduction: sum, strategy: last}")
        func value(_ states: [Tensor]) throws -> Tensor {
            var student = ModelOutput(logits: golden.student)
            student.clsHiddenStates = states
            var teacher = ModelOutput(logits: golden.teacher)
            teacher.clsHiddenStates = golden.teacherCLS
            return try loss(student: student, teacher: teacher, batch: golden.batch, progress: 0)
        }
        let parameter = Parameter(golden.studentCLS[2])
        try value([golden.studentCLS[0], golden.studentCLS[1], parameter.tensor, golden.studentCLS[3]]).backward()
        let analytic = try #require(parameter.grad).scalars
        let h: Float = 1e-2
        for index in [0, 5, 17, 40, 127] {
            var up = golden.studentCLS[2].scalars, down = up
            up[index] += h
            down[index] -= h
            let shape = golden.studentCLS[2].shape
            let plus = try withoutGradient { try value([golden.studentCLS[0], golden.studentCLS[1], Tensor(shape: shape, scalars: up), golden.studentCLS[3]]).item }
            let minus = try withoutGradient { try value([golden.studentCLS[0], golden.studentCLS[1], Tensor(shape: shape, scalars: down), golden.studentCLS[3]]).item }
            expectClose(analytic[index], Double(plus - minus) / Double(2 * h), atol: 2e-3, rtol: 2e-2)
        }
    }

    @Test func missingStatesAndImpossibleMapsThrowInsteadOfTrapping() throws {
        let golden = try Golden()
        let loss = try pkd("{layer_map: [1, 9]}")
        var student = ModelOutput(logits: golden.student)
        student.clsHiddenStates = golden.studentCLS
        var teacher = ModelOutput(logits: golden.teacher)
        #expect { _ = try loss(student: student, teacher: teacher, batch: golden.batch) } throws: {
            "\($0)" == "pkd: needs the teacher's [CLS] hidden states (a HiddenStatesProvider)"
        }
        teacher.clsHiddenStates = golden.teacherCLS
        #expect { _ = try loss(student: student, teacher: teacher, batch: golden.batch) } throws: {
            "\($0)" == "pkd: layer_map: teacher layer 9 does not exist: the teacher (of this stage) has 6 layers, 0...5"
        }
        teacher.clsHiddenStates = golden.teacherCLS.map { _ in Tensor.zeros([8, 4]) }
        let defaults = try pkd("{}")
        #expect { _ = try defaults(student: student, teacher: teacher, batch: golden.batch) } throws: {
            "\($0)" == "pkd: compares [CLS] states of one shape; the student's are [8, 16], the teacher's [8, 4]"
        }
    }

    @Test func badSettingsNameTheirKeys() throws {
        #expect { _ = try pkd("{beta: -1}") } throws: { "\($0)".hasSuffix("beta: -1.0 must not be negative") }
        #expect { _ = try pkd("{strategy: last, layer_map: [1, 3]}") } throws: {
            "\($0)".hasSuffix("layer_map: replaces the strategy; set either strategy: last or layer_map")
        }
        #expect { _ = try pkd("{strategy: first}") } throws: { "\($0)".contains("strategy") }
        #expect { _ = try pkd("{layer_map: [-1, 2]}") } throws: { "\($0)".hasSuffix("layer_map: -1 is not a layer number (0-based)") }
    }
}

/// The strategies' teacher layers as the loss sees them: a student with `student` layers whose
/// [CLS] states all point one way, and a teacher whose layer l's state is the unit vector e_l.
enum PKDTestMaps {
    static func pairs(_ strategy: String, teacher n: Int, student m: Int) throws -> [Int] {
        let loss = try firstPartyHost().make("pkd", as: (any Loss).self, config: .yaml("{strategy: \(strategy), alpha: 1, reduction: sum, beta: 1}"))
        let width = n + 1
        func unit(_ i: Int) -> Tensor { Tensor(shape: [1, width], scalars: (0..<width).map { $0 == i ? 1 : 0 }) }
        var teacher = ModelOutput(logits: Tensor(shape: [1, 2], scalars: [0, 0]))
        teacher.clsHiddenStates = (0...n).map(unit)
        // A student state equal to e_k costs 0 against teacher layer k − 1 and 2 against any other:
        // the layer each student layer is matched to is the k whose choice lowers the loss by 2.
        return try (0..<(m - 1)).map { j in
            try (0..<n).first { k in
                var student = ModelOutput(logits: Tensor(shape: [1, 2], scalars: [0, 0]))
                student.clsHiddenStates = (0...m).map { $0 == j + 1 ? unit(k + 1) : unit(0) }
                let loss = try loss(student: student, teacher: teacher, batch: tokenBatch([[2]]))
                return abs(loss.item - Float(2 * (m - 2))) < 1e-4
            } ?? -1
        }
    }
}
