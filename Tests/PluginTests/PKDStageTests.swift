import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// PKD in distill stages: `validate` checks its layer map against the teacher's depth (read
/// from the folder) and the student's (from its settings); runs cache the teacher's [CLS]
/// states and refuse teachers or students that cannot give them.
@Suite("PKD in distill stages", .serialized)
struct PKDStageTests {
    static let workspace = Result { () throws -> URL in
        let folder = try RecipeFixtures.workspace("pkd-stage", train: 64, dev: 16, test: 16)
        try RecipeFixtures.teacherFolder("teacher4", in: folder, layers: 4)
        return folder
    }

    static func recipe(student: String = "{layers: 2}", losses: String, teacher: String = "teacher4", extra: String = "") -> String {
        """
        recipe: 1
        seed: 3
        data: {train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 32}
        teacher: {model: \(teacher)}
        stages:
          - distill:
              student: {component: bert-student, settings: \(student)}
              losses: \(losses)
              epochs: 2
              batch_size: 16
              learning_rate: 0.001
        \(extra)
        """
    }

    func failure(_ yaml: String) throws -> RecipeError {
        try RecipeFixtures.validationFailure(yaml, in: try Self.workspace.get())
    }

    @Test func aLayerMapNamingAMissingTeacherLayerFailsValidation() throws {
        let error = try failure(Self.recipe(losses: "[{component: pkd, settings: {layer_map: [4]}}]"))
        #expect(error.path == "stages[0].distill.losses[0].settings.layer_map")
        #expect(error.location?.line == 8)
        #expect(error.description.hasSuffix("stages[0].distill.losses[0].settings.layer_map: teacher layer 4 does not exist: "
                                            + "the teacher (teacher4) has 4 layers, 0...3"), "\(error)")
    }

    @Test func aLayerMapOfTheWrongLengthFailsValidation() throws {
        let error = try failure(Self.recipe(student: "{layers: 3}", losses: "[{component: pkd, settings: {layer_map: [1]}}]"))
        #expect(error.path == "stages[0].distill.losses[0].settings.layer_map")
        #expect(error.description.hasSuffix("layer_map: has 1 entries, and the 3-layer student needs 2 (one per student layer "
                                            + "but the last); the teacher (teacher4) has 4 layers"), "\(error)")
    }

    @Test func aStrategyNeedsAStudentNoDeeperThanItsTeacher() throws {
        let error = try failure(Self.recipe(student: "{layers: 5, layer_map: [0, 1, 2, 3, 3]}", losses: "[{component: pkd, settings: {strategy: last}}]"))
        #expect(error.path == "stages[0].distill.losses[0].settings.strategy")
        #expect(error.description.hasSuffix("last needs a student no deeper than the teacher; the student has 5 layers, the teacher (teacher4) 4"))
    }

    @Test func aLaterStageChecksAgainstTheStudentAnEarlierOneMakes() throws {
        // The second distill starts from the first one's 2-layer student (known from its settings).
        let extra = """
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: pkd, settings: {layer_map: []}}]
              - distill:
                  student: {component: bert-student, settings: {layers: 2}}
                  losses: [{component: pkd, settings: {layer_map: [2]}}]
            """
        let error = try failure(Self.recipe(losses: "[{component: hinton-kd}]", extra: extra))
        #expect(error.path == "stages[2].distill.losses[0].settings.layer_map")
        #expect(error.description.hasSuffix("teacher layer 2 does not exist: the teacher (bert-student) has 1 layers, 0...0"), "\(error)")
    }

    func run(_ yaml: String, name: String) throws -> (ExperimentResults, [String]) {
        try RecipeFixtures.run(yaml, name: name, in: try Self.workspace.get())
    }

    @Test func cachedClsStatesTrainTheSameStudentAsOnlineOnes() throws {
        let losses = "[{component: pkd, settings: {strategy: skip, temperature: 2, beta: 50}}]"
        let (cached, notes) = try run(Self.recipe(losses: losses, extra: "      teacher_outputs: auto\n  - evaluate: {split: test}"), name: "pkd-cached")
        let (online, _) = try run(Self.recipe(losses: losses, extra: "      teacher_outputs: online\n  - evaluate: {split: test}"), name: "pkd-online")
        // 64 examples, each: 2 logits, a 32-wide pooled vector, 5 [CLS] states of 32.
        let expected = String(format: "%.1f MiB", Double(64 * (2 + 32 + 5 * 32) * 4) / Double(1 << 20))
        #expect(notes.contains { $0.hasPrefix("[p0] teacher outputs (logits, [CLS] hidden states) cached per example: \(expected) for 64 examples of its") },
                "\(notes)")
        #expect(notes.contains { $0.hasPrefix("[p0] teacher ran on 64 examples; 64 came from its cache") }, "\(notes)")
        let (a, b) = (try #require(cached.points[0].models.last), try #require(online.points[0].models.last))
        #expect(a.losses.count == 8 && a.evaluations["test"] != nil)
        for (x, y) in zip(a.losses, b.losses) { expectClose(x, Double(y), atol: 1e-4, rtol: 1e-3) }
    }

    @Test func aTeacherWithoutHiddenStatesIsRefusedBeforeTraining() throws {
        let workspace = try Self.workspace.get()
        try RecipeFixtures.teacherFolder("member-a", in: workspace, layers: 2, seed: 21)
        let yaml = Self.recipe(losses: "[{component: pkd}]", extra: "      teacher: {component: ensemble, settings: {models: [teacher4, member-a]}}")
        #expect { _ = try run(yaml, name: "pkd-ensemble") } throws: {
            "\($0)".contains("the losses read the teacher's [CLS] hidden states; the teacher (ensemble of 2 (combine: logits): teacher4, member-a) "
                             + "does not provide them (it is no HiddenStatesProvider)")
        }
    }

    @Test func aStudentWithoutHiddenStatesIsRefusedBeforeTraining() throws {
        let yaml = Self.recipe(losses: "[{component: pkd}]").replacingOccurrences(
            of: "{component: bert-student, settings: {layers: 2}}", with: "{component: logistic-regression, settings: {min_count: 1}}")
        #expect { _ = try run(yaml, name: "pkd-lr") } throws: {
            "\($0)".contains("the losses read the student's [CLS] hidden states; the student (LogisticRegressionStudent) does not provide them")
        }
    }
}
