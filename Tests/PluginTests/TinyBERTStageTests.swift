@testable import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// TinyBERT's two stages in one recipe on a tiny workspace: general distillation on unlabelled
/// text from a headless model, then task distillation (intermediate layers, then the prediction
/// layer) from an earlier stage's teacher on an augmented set; `validate`'s refusals; and the
/// loss's own parameters in checkpoints.
@Suite("TinyBERT in distill stages", .serialized)
struct TinyBERTStageTests {
    static let workspace = Result { () throws -> URL in
        let folder = try RecipeFixtures.workspace("tinybert-stage", train: 48, dev: 16, test: 16)
        try RecipeFixtures.teacherFolder("teacher4", in: folder, layers: 4)
        let texts = try String(contentsOf: RecipeFixtures.mr.appendingPathComponent("dev.tsv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().prefix(40).map { $0.split(separator: "\t")[0] }
        try ("text\n" + texts.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("unlabelled.tsv"), atomically: true, encoding: .utf8)
        try "".write(to: folder.appendingPathComponent("empty.tsv"), atomically: true, encoding: .utf8)
        return folder
    }

    static func recipe(unlabelled: String = "unlabelled.tsv", student: String = "{layers: 2, hidden_size: 16, heads: 4, ffn: 24, initialization: random}",
                       intermediate: String = "{parts: [embedding, hidden, attention]}", teacher: String = "{stage: teacher}",
                       generalStudent: String = "{stage: general}") -> String {
        """
        recipe: 1
        seed: 3
        data: {train: train.tsv, dev: dev.tsv, test: test.tsv, unlabelled: \(unlabelled), max_length: 32}
        teacher: {model: teacher4}
        stages:
          - id: teacher
            evaluate: {split: test}
          - id: general
            distill:
              teacher: {model: model}
              data: unlabelled
              student: {component: bert-student, settings: \(student)}
              losses: [{component: tinybert, settings: {parts: [embedding, hidden, attention]}}]
              teacher_outputs: online
              epochs: 1
              batch_size: 16
              learning_rate: 0.001
          - id: intermediate
            distill:
              teacher: \(teacher)
              student: \(generalStudent)
              losses: [{component: tinybert, settings: \(intermediate)}]
              augment: &augment {component: tinybert-augment, settings: {n_a: 2, candidates: 3}}
              epochs: 1
              batch_size: 16
              learning_rate: 0.001
              checkpoint_every: 2
          - id: prediction
            distill:
              teacher: {stage: teacher}
              student: {stage: intermediate}
              losses: [{component: tinybert, settings: {parts: [prediction]}}]
              augment: *augment
              epochs: 1
              batch_size: 16
              learning_rate: 0.001
          - evaluate: {split: test}
          - export: {name: tinybert}
        """
    }

    func failure(_ yaml: String) throws -> RecipeError {
        try RecipeFixtures.validationFailure(yaml, in: try Self.workspace.get())
    }

    @Test func theTwoStagesRunInOneRecipeAndExportAPlainNarrowBert() throws {
        let workspace = try Self.workspace.get()
        let (results, notes) = try RecipeFixtures.run(Self.recipe(), name: "tinybert-run", in: workspace)
        let models = results.points[0].models
        // The teacher, the general student (its headless teacher has no row of its own, only the
        // folder's), the two task-distilled students.
        #expect(models.map(\.origin) == ["teacher", "stages[1].distill.teacher", "stages[1].distill", "stages[2].distill", "stages[3].distill"])
        #expect(models[1].evaluations.isEmpty)
        #expect(models.last?.evaluations["test"] != nil)
        // The prediction stage reads the transfer set the intermediate stage labelled.
        #expect(notes.contains { $0.contains("transfer set read from") }, "\(notes)")
        let exported = try BertModel.load(directory: workspace.appendingPathComponent("tinybert-run/exports/tinybert").path)
        #expect(exported.config.hiddenSize == 16 && exported.config.numHiddenLayers == 2 && exported.config.intermediateSize == 24)
        #expect(exported.namedParameters.allSatisfy { !$0.name.contains("projection") })
    }

    @Test func aLayerMapNamingAMissingTeacherLayerFailsValidationWithBothCounts() throws {
        let error = try failure(Self.recipe(intermediate: "{parts: [hidden], layer_map: [1, 4]}"))
        #expect(error.path == "stages[2].distill.losses[0].settings.layer_map")
        #expect(error.description.hasSuffix("layer_map: teacher layer 4 does not exist: the teacher (teacher4) has 4 layers, 0...3; "
                                            + "the student has 2"), "\(error)")
    }

    @Test func aLayerMapOfTheWrongLengthFailsValidationWithBothCounts() throws {
        let error = try failure(Self.recipe(intermediate: "{parts: [attention], layer_map: [3]}"))
        #expect(error.path == "stages[2].distill.losses[0].settings.layer_map")
        #expect(error.description.hasSuffix("layer_map: has 1 entries, one per student layer, and the student has 2 layers; "
                                            + "the teacher (teacher4) has 4"), "\(error)")
    }

    @Test func attentionNeedsTheTeachersHeadCount() throws {
        let error = try failure(Self.recipe(student: "{layers: 2, hidden_size: 16, heads: 2, ffn: 24, initialization: random}"))
        #expect(error.path == "stages[1].distill.losses[0].settings.parts")
        #expect(error.description.hasSuffix("the student has 2 heads, the teacher (model) 4"), "\(error)")
        // Without the attention part, other head counts are fine.
        let fine = Self.recipe(student: "{layers: 2, hidden_size: 16, heads: 2, ffn: 24, initialization: random}")
            .replacingOccurrences(of: "{parts: [embedding, hidden, attention]}", with: "{parts: [embedding, hidden]}")
        let path = try RecipeFixtures.write(fine, "tinybert-heads.yaml", in: try Self.workspace.get())
        try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
    }

    @Test func aMissingOrEmptyUnlabelledFileIsNamed() throws {
        let missing = try failure(Self.recipe(unlabelled: "nowhere.tsv"))
        #expect(missing.path == "data.unlabelled" && "\(missing)".contains("nowhere.tsv"), "\(missing)")
        let empty = try failure(Self.recipe(unlabelled: "empty.tsv"))
        #expect(empty.path == "data.unlabelled" && "\(empty)".contains("empty.tsv"), "\(empty)")
        let none = try failure(Self.recipe().replacingOccurrences(of: ", unlabelled: unlabelled.tsv", with: ""))
        #expect(none.path == "stages[1].distill.data")
        #expect("\(none)".contains("the recipe's data has no unlabelled file (set data.unlabelled)"), "\(none)")
    }

    @Test func aStageReferenceMustNameAnEarlierStage() throws {
        let later = try failure(Self.recipe(teacher: "{stage: prediction}"))
        #expect(later.path == "stages[2].distill.teacher.stage")
        #expect("\(later)".contains("no earlier stage has the id 'prediction' (earlier ids: general, teacher)"), "\(later)")
        let both = try failure(Self.recipe(generalStudent: "{stage: general, model: teacher4}"))
        #expect(both.path == "stages[2].distill.student.model", "\(both)")
    }

    /// A loss's parameters are saved with each checkpoint and restored on resume.
    @Test func checkpointsKeepALossesParameters() throws {
        let folder = try TestEnvironment.temporaryFolder("tinybert-checkpoint-\(UUID().uuidString.prefix(8))")
        let store = CheckpointStore(folder: folder)
        let model = BertModel(config: BertConfig(vocabSize: 20, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2,
                                                 intermediateSize: 8, maxPositionEmbeddings: 8, labels: ["a", "b"]), seed: 1)
        let projection = Parameter(Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        let checkpoint = TrainingCheckpoint(position: TrainingPosition(epoch: 0, batch: 2, step: 2), optimizer: OptimizerState(),
                                            dropoutGenerator: nil, history: [])
        try store.save(model: model, extra: [("losses.0.hidden_projection", projection)], checkpoint: checkpoint, losses: [1], metricsOffset: 0)
        let restored = Parameter(.zeros([2, 3]))
        _ = try store.load(into: model, extra: [("losses.0.hidden_projection", restored)])
        #expect(restored.value.scalars == [1, 2, 3, 4, 5, 6])
        let wrongShape = Parameter(.zeros([3, 2]))
        #expect(throws: CheckpointError.self) { _ = try store.load(into: model, extra: [("losses.0.hidden_projection", wrongShape)]) }
    }
}
