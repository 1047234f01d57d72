import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `ensemble` teacher: its combined logits, the members it refuses (naming both folders, in
/// `validate` and when built), and a distill stage that learns from it through the cache.
@Suite("Ensemble teacher", .serialized)
struct EnsembleTeacherTests {
    static let workspace = Result { () throws -> URL in
        let folder = try RecipeFixtures.workspace("ensemble", train: 64, dev: 16, test: 16)
        for (name, seed) in [("t1", 31), ("t2", 32), ("t3", 33)] {
            try RecipeFixtures.teacherFolder(name, in: folder, layers: 2, seed: UInt64(seed))
        }
        try RecipeFixtures.teacherFolder("flipped", in: folder, layers: 2, labels: ["positive", "negative"], seed: 34)
        var tokens = try String(contentsOf: folder.appendingPathComponent("model/vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        tokens[20] = "zzzunseen"
        try RecipeFixtures.teacherFolder("other-vocab", in: folder, layers: 2, seed: 35, vocabulary: tokens)
        return folder
    }

    func ensemble(_ models: [String], combine: String = "logits") throws -> any Teacher {
        let folder = try Self.workspace.get()
        let context = ComponentContext(labelCount: 2, seed: 1, baseDirectory: folder.path)
        return try firstPartyHost().make("ensemble", as: (any Teacher).self,
                                         config: .yaml("{models: [\(models.joined(separator: ", "))], combine: \(combine)}"), context: context)
    }

    @Test(arguments: ["logits", "probabilities"])
    func theEnsembleAveragesItsMembers(combine: String) throws {
        let folder = try Self.workspace.get()
        let teacher = try ensemble(["t1", "t2", "t3"], combine: combine)
        let batch = tokenBatch([[2, 30, 41, 3], [2, 55, 3]])
        let members = try ["t1", "t2", "t3"].map { try BertModel.load(directory: folder.appendingPathComponent($0).path) }
        let logits = try members.map { member in try withoutGradient { try member.forward(batch, request: [], training: false).logits!.scalars } }
        let combined = try #require(try teacher.outputs(for: batch, request: []).logits)
        #expect(combined.shape == [2, 2] && teacher.model.labels == ["negative", "positive"])
        #expect(teacher.model.parameterCount == members.reduce(0) { $0 + $1.parameterCount })
        #expect("\(teacher)" == "ensemble of 3 (combine: \(combine)): t1, t2, t3")
        if combine == "logits" {
            for i in 0..<4 { expectClose(combined.scalars[i], logits.reduce(0.0) { $0 + Double($1[i]) } / 3, atol: 1e-5) }
        } else {
            let mean = (0..<4).map { i in
                logits.reduce(0.0) { total, z in
                    let row = i / 2 * 2
                    return total + exp(Double(z[i])) / (exp(Double(z[row])) + exp(Double(z[row + 1]))) / 3
                }
            }
            for (got, expected) in zip(softmax(combined).scalars, mean) { expectClose(got, expected, atol: 1e-5) }
        }
    }

    @Test func membersWithOtherLabelsOrVocabulariesAreRefusedNamingBothFolders() throws {
        #expect { _ = try ensemble(["t1", "flipped"]) } throws: {
            "\($0)".hasSuffix("ensemble: t1 and flipped have different labels (negative, positive vs positive, negative)")
        }
        #expect { _ = try ensemble(["t1", "t2", "other-vocab"]) } throws: {
            "\($0)".hasSuffix("ensemble: t1 and other-vocab have different vocabularies (vocab.txt line 21: \"\(try vocabularyLine(21))\" vs \"zzzunseen\")")
        }
        #expect { _ = try ensemble(["t1", "nowhere"]) } throws: { "\($0)".contains("ensemble: nowhere: ") }
        #expect { _ = try ensemble(["t1", "t1"]) } throws: { "\($0)".hasSuffix("models: t1 is listed twice") }
    }

    func vocabularyLine(_ line: Int) throws -> String {
        try String(contentsOf: try Self.workspace.get().appendingPathComponent("model/vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)[line - 1]
    }

    static func recipe(teacher: String, teacherOutputs: String = "auto") -> String {
        """
        recipe: 1
        seed: 5
        data: {train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 32}
        teacher: {model: t1}
        stages:
          - distill:
              teacher: \(teacher)
              student: {component: bert-student, settings: {layers: 1}}
              losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]
              teacher_outputs: \(teacherOutputs)
              epochs: 2
              batch_size: 16
              learning_rate: 0.001
          - evaluate: {split: test}
        """
    }

    @Test func validationNamesTheTwoFoldersAtTheKeyPath() throws {
        let workspace = try Self.workspace.get()
        let path = try RecipeFixtures.write(Self.recipe(teacher: "{component: ensemble, settings: {models: [t1, t2, flipped]}}"),
                                            "bad-ensemble.yaml", in: workspace)
        #expect { try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost()) } throws: {
            let error = $0 as? RecipeError
            return error?.path == "stages[0].distill.teacher.settings.models" && error?.location?.line == 7
                && "\($0)".hasSuffix("models: t1 and flipped have different labels (negative, positive vs positive, negative)")
        }
        let vocabulary = try RecipeFixtures.write(Self.recipe(teacher: "{component: ensemble, settings: {models: [other-vocab]}}"),
                                                  "vocab-ensemble.yaml", in: workspace)
        #expect { try BertSlimHost.Recipe(contentsOf: vocabulary).validate(host: firstPartyHost()) } throws: {
            "\($0)".contains("models: other-vocab and the run's tokenizer (\(workspace.path)/t1) have different vocabularies")
        }
        let unknownKey = try RecipeFixtures.write(Self.recipe(teacher: "{component: ensemble, weight: 2, settings: {models: [t2]}}"),
                                                  "weight-ensemble.yaml", in: workspace)
        #expect { try BertSlimHost.Recipe(contentsOf: unknownKey).validate(host: firstPartyHost()) } throws: {
            ($0 as? RecipeError)?.path == "stages[0].distill.teacher.weight"
        }
    }

    func run(_ yaml: String, name: String) throws -> (ExperimentResults, [String]) {
        try RecipeFixtures.run(yaml, name: name, in: try Self.workspace.get())
    }

    @Test func aDistillStageLearnsFromTheEnsembleThroughTheCacheAndReportsIt() throws {
        let teacher = "{component: ensemble, settings: {models: [t1, t2, t3], combine: probabilities}}"
        let (cached, notes) = try run(Self.recipe(teacher: teacher), name: "ensemble-cached")
        let (online, _) = try run(Self.recipe(teacher: teacher, teacherOutputs: "online"), name: "ensemble-online")
        #expect(notes.contains { $0.hasPrefix("[p0] teacher ran on 64 examples; 64 came from its cache") }, "\(notes)")
        let models = cached.points[0].models
        #expect(models.map(\.origin) == ["teacher", "stages[0].distill.teacher", "stages[0].distill"])
        let ensemble = models[1]
        #expect(ensemble.summary == "ensemble of 3 (combine: probabilities): t1, t2, t3" && ensemble.evaluations["test"] != nil)
        #expect(models[2].evaluations["test"] != nil && models[1].evaluations.count == 1)
        for (x, y) in zip(models[2].losses, online.points[0].models[2].losses) { expectClose(x, Double(y), atol: 1e-4, rtol: 1e-3) }
        let report = try String(contentsOf: try Self.workspace.get().appendingPathComponent("ensemble-cached/report.md"), encoding: .utf8)
        #expect(report.contains("stages[0].distill.teacher (ensemble of 3 (combine: probabilities): t1, t2, t3)"), "\(report)")
    }

    @Test func aTeacherFolderCanReplaceTheStagesModel() throws {
        let (results, _) = try run(Self.recipe(teacher: "{model: t2}"), name: "folder-teacher")
        let models = results.points[0].models
        #expect(models.map(\.origin) == ["teacher", "stages[0].distill.teacher", "stages[0].distill"])
        #expect(models[1].summary == "t2" && models[1].fileBytes > 0 && models[1].evaluations["test"] != nil)
    }
}
