import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The committed distillation and head-pruning recipes validate: PKD's sweep, born-again,
/// TinyBERT, LRP heads, concrete gates, and the ensemble (its member folders stood in for by tiny
/// classifiers with MiniLM's vocabulary).
@Suite("Distillation recipes", .serialized)
struct DistillRecipeTests {
    static let root = TestEnvironment.packageRoot

    @Test(arguments: ["distill-pkd.yaml", "born-again.yaml", "distill-bert-student.yaml", "tinybert.yaml", "lrp-heads.yaml", "concrete-gates.yaml"])
    func theCommittedRecipesValidate(name: String) throws {
        let path = Self.root.appendingPathComponent("recipes/\(name)").path
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path, "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.hasPrefix("\(path): ok"), "\(result.output)\(result.errors)")
    }

    @Test func theEnsembleRecipeValidatesWithItsTeachersInPlace() throws {
        let folder = try TestEnvironment.temporaryFolder("ensemble-recipe")
        let vocabulary = try String(contentsOf: Self.root.appendingPathComponent("assets/model/minilm-l6/vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for seed in 1...3 {
            try RecipeFixtures.teacherFolder("mr-seed\(seed)", in: folder, layers: 6, seed: UInt64(seed), vocabulary: vocabulary)
        }
        let text = try String(contentsOf: Self.root.appendingPathComponent("recipes/distill-ensemble.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "../runs/teachers/", with: folder.path + "/")
            .replacingOccurrences(of: "../assets/", with: Self.root.appendingPathComponent("assets").path + "/")
        let path = try RecipeFixtures.write(text, "distill-ensemble.yaml", in: folder)
        let validated = try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
        #expect(validated.points.count == 1)
    }
}
