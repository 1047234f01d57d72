import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The distillation losses against PyTorch (scripts/make-distill-fixtures.py).
@Suite("Distillation losses")
struct DistillationLossTests {
    static let fixture = TestEnvironment.fixtureSources.appendingPathComponent("distill-losses.safetensors").path

    struct Golden {
        let student, teacher: Tensor
        let labels: IntTensor
        let file: SafetensorsFile

        init() throws {
            file = try SafetensorsFile(path: DistillationLossTests.fixture)
            student = try file.tensor(named: "student")
            teacher = try file.tensor(named: "teacher")
            labels = IntTensor(shape: [student.shape[0]],
                               scalars: try file.integers(named: "labels", as: Int64.self).scalars.map { Int32($0) })
        }

        var batch: Batch {
            let ids = IntTensor(repeating: 101, shape: [student.shape[0], 1])
            return Batch(inputIDs: ids, attentionMask: IntTensor(repeating: 1, shape: ids.shape),
                         tokenTypeIDs: IntTensor(repeating: 0, shape: ids.shape), labels: labels)
        }
    }

    @Test(arguments: 0..<5)
    func hintonKDMatchesPyTorchInValueAndGradient(index: Int) throws {
        let golden = try Golden()
        let temperature = try golden.file.tensor(named: "kd.\(index).temperature").item
        let alpha = try golden.file.tensor(named: "kd.\(index).alpha").item
        let loss = try firstPartyHost().make("hinton-kd", as: (any Loss).self,
                                             config: .json(#"{"temperature": \#(temperature), "alpha": \#(alpha)}"#))
        let student = Parameter(golden.student)
        let value = try loss(student: ModelOutput(logits: student.tensor), teacher: ModelOutput(logits: golden.teacher),
                             batch: golden.batch, progress: 0.3)
        expectClose(value.item, Double(try golden.file.tensor(named: "kd.\(index).loss").item), atol: 1e-5, rtol: 1e-5)
        value.backward()
        let expected = try golden.file.tensor(named: "kd.\(index).grad").scalars
        for (g, e) in zip(try #require(student.grad).scalars, expected) { expectClose(g, Double(e), atol: 1e-6, rtol: 1e-4) }
    }

    @Test func mseLogitsMatchesPyTorchInValueAndGradient() throws {
        let golden = try Golden()
        let loss = try firstPartyHost().make("mse-logits", as: (any Loss).self)
        let student = Parameter(golden.student)
        let value = try loss(student: ModelOutput(logits: student.tensor), teacher: ModelOutput(logits: golden.teacher),
                             batch: golden.batch, progress: 0)
        expectClose(value.item, Double(try golden.file.tensor(named: "mse.loss").item), atol: 1e-5, rtol: 1e-5)
        value.backward()
        for (g, e) in zip(try #require(student.grad).scalars, try golden.file.tensor(named: "mse.grad").scalars) {
            expectClose(g, Double(e), atol: 1e-6, rtol: 1e-4)
        }
    }

    @Test func scheduledTemperatureAndAlphaAreReadAtTheStagesProgress() throws {
        let golden = try Golden()
        let host = firstPartyHost()
        let scheduled = try host.make("hinton-kd", as: (any Loss).self, config: .yaml("""
            temperature: {schedule: linear, from: 4, to: 1}
            alpha: {schedule: linear, from: 1, to: 0}
            """))
        let fixed = try host.make("hinton-kd", as: (any Loss).self, config: .yaml("{temperature: 2.5, alpha: 0.5}"))
        let (s, t) = (ModelOutput(logits: golden.student), ModelOutput(logits: golden.teacher))
        let midway = try scheduled(student: s, teacher: t, batch: golden.batch, progress: 0.5).item
        expectClose(midway, Double(try fixed(student: s, teacher: t, batch: golden.batch, progress: 0).item), atol: 1e-6)
        // At the start α = 1: no labels needed; at the end α = 0: labels only.
        var unlabelled = golden.batch
        unlabelled.labels = nil
        #expect(throws: Never.self) { try scheduled(student: s, teacher: t, batch: unlabelled, progress: 0) }
        #expect(throws: ComponentError.self) { try scheduled(student: s, teacher: t, batch: unlabelled, progress: 1) }
        #expect(throws: Never.self) { try scheduled(student: s, teacher: nil, batch: golden.batch, progress: 1) }
    }

    @Test func hintonKDRejectsMissingOrMismatchedInputsWithOneLine() throws {
        let golden = try Golden()
        let loss = try firstPartyHost().make("hinton-kd", as: (any Loss).self)
        let s = ModelOutput(logits: golden.student)
        #expect(throws: ComponentError.self) { try loss(student: s, teacher: nil, batch: golden.batch) }
        let narrow = ModelOutput(logits: golden.teacher.slice(axis: 1, range: 0..<2))
        do {
            _ = try loss(student: s, teacher: narrow, batch: golden.batch)
            Issue.record("no error for mismatched logits")
        } catch {
            #expect("\(error)" == "hinton-kd: logit shapes differ: student [8, 3], teacher [8, 2]")
        }
    }

    @Test func badScheduleSettingsNameTheirKeyPath() throws {
        let host = firstPartyHost()
        #expect(throws: SettingsError.invalidValue(path: "stages[1].losses[0].settings.alpha", reason: "linear 0.5 → 1.5 is not in 0...1")) {
            _ = try host.make("hinton-kd", as: (any Loss).self,
                              config: .yaml("alpha: {schedule: linear, from: 0.5, to: 1.5}", path: "stages[1].losses[0].settings"))
        }
        #expect(throws: SettingsError.invalidValue(path: "temperature", reason: "0.0 must stay above 0")) {
            _ = try host.make("hinton-kd", as: (any Loss).self, config: .yaml("temperature: 0"))
        }
    }
}
