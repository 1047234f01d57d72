import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// One test per class of recipe error: each names the key path and the line (and column).
@Suite("Recipe validation")
struct RecipeValidationTests {
    static let base = """
        recipe: 1
        data:
          train: train.tsv
          dev: dev.tsv
        teacher:
          model: model
        stages:
          - finetune:
              epochs: 1
          - evaluate: {split: dev}
        """

    /// Validates `yaml` in a workspace with the tiny model and data; returns the error.
    func failure(_ yaml: String) throws -> RecipeError {
        let folder = try Self.workspace.get()
        let path = try RecipeFixtures.write(yaml, "recipe-\(UUID().uuidString.prefix(8)).yaml", in: folder)
        do {
            try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
        } catch let error as RecipeError {
            return error
        }
        throw CommandFailure(command: "validate", result: CommandResult(status: 0, output: "no error", errors: "", crashed: false))
    }

    /// One workspace for the suite (each recipe file gets its own name).
    static let workspace = Result { try RecipeFixtures.workspace("validation", train: 40, dev: 10, test: 10) }

    @Test func theBaseRecipeIsValid() throws {
        let folder = try Self.workspace.get()
        let path = try RecipeFixtures.write(Self.base, "recipe.yaml", in: folder)
        try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost())
    }

    @Test func unknownKey() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "epochs: 1", with: "epochz: 1"))
        #expect(error.path == "stages[0].finetune.epochz")
        #expect(error.location?.line == 9 && error.location?.column == 7)
        #expect(error.description.hasSuffix(".yaml:9:7: stages[0].finetune.epochz: unknown key (known: epochs, batch_size, learning_rate, warmup_fraction, weight_decay, max_gradient_norm, schedule, checkpoint_every)"))
    }

    @Test func unknownStageType() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "- evaluate: {split: dev}", with: "- evalute: {split: dev}"))
        #expect(error.path == "stages[1].evalute")
        #expect(error.location?.line == 10)
    }

    @Test func wrongType() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "epochs: 1", with: "epochs: many"))
        #expect(error.path == "stages[0].finetune.epochs")
        #expect(error.location?.line == 9 && error.location?.column == 15)
        #expect(error.description.hasSuffix("stages[0].finetune.epochs: expected Int, found the string \"many\""))
    }

    /// `hidden_size: "384"` used to read "expected Int?" without saying the value was a string.
    @Test(arguments: [
        ("epochs: 1", "epochs: \"1\"", "stages[0].finetune.epochs: expected Int, found the string \"1\""),
        ("epochs: 1", "epochs: 1\n      learning_rate: '2e-5'", "stages[0].finetune.learning_rate: expected Float, found the string \"2e-5\""),
        ("epochs: 1", "epochs: 1.5", "stages[0].finetune.epochs: expected Int, found 1.5"),
    ])
    func aQuotedNumberIsReportedAsAString(old: String, new: String, message: String) throws {
        let error = try failure(Self.base.replacingOccurrences(of: old, with: new))
        #expect(error.description.hasSuffix(message), "\(error)")
    }

    @Test func aComponentSettingGivenAsAStringSaysSo() throws {
        let error = try failure(Self.base + """

              - distill:
                  student: {component: bert-student, settings: {layers: 1, hidden_size: "384"}}
                  losses: [{component: hinton-kd}]
            """)
        #expect(error.path == "stages[2].distill.student.settings.hidden_size")
        #expect(error.description.hasSuffix("stages[2].distill.student.settings.hidden_size: expected Int, found the string \"384\""), "\(error)")
    }

    /// max_length above the model's positions passed validate and then trapped in training.
    @Test func maxLengthAboveTheModelsPositionsNamesTheLimit() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "  dev: dev.tsv", with: "  dev: dev.tsv\n  max_length: 100"))
        #expect(error.path == "data.max_length")
        #expect(error.location?.line == 5)
        #expect(error.description.hasSuffix("data.max_length: 100 is more than the 64 positions (max_position_embeddings) of model"), "\(error)")
    }

    /// A benchmark stage longer than the model's positions (its default is 128) used to fail
    /// only when the run reached it.
    @Test func aBenchmarkLongerThanThePositionsNamesTheLimit() throws {
        let error = try failure(Self.base + "\n  - benchmark: {batch_sizes: [1]}\n")
        #expect(error.path == "stages[2].benchmark.sequence_length")
        #expect(error.location?.line == 11)
        #expect(error.description.hasSuffix("stages[2].benchmark.sequence_length: 128 is more than the 64 positions (max_position_embeddings) of model"),
                "\(error)")
    }

    /// A dev or test label the training file does not have passed validate, and run then
    /// failed with a half-made run folder.
    @Test func aLabelMissingFromTrainingIsFound() throws {
        let folder = try Self.workspace.get()
        let test = try String(contentsOf: folder.appendingPathComponent("test.tsv"), encoding: .utf8) + "an odd film\tneutral\n"
        _ = try RecipeFixtures.write(test, "test-neutral.tsv", in: folder)
        let error = try failure(Self.base.replacingOccurrences(of: "  dev: dev.tsv", with: "  dev: dev.tsv\n  test: test-neutral.tsv"))
        #expect(error.path == "data.test")
        #expect(error.description.hasSuffix("test-neutral.tsv:12: unknown label 'neutral' (known: negative, positive)"), "\(error)")
    }

    @Test func valueOutOfRange() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "epochs: 1", with: "epochs: 1\n      warmup_fraction: 1.5"))
        #expect(error.path == "stages[0].finetune.warmup_fraction")
        #expect(error.location?.line == 10)
        #expect(error.description.hasSuffix("stages[0].finetune.warmup_fraction: 1.5 is not in 0...1"))
    }

    @Test func unknownComponentListsTheKnownOnes() throws {
        let yaml = Self.base + """

              - distill:
                  student: {model: model}
                  losses:
                    - {component: pkd-hidden, weight: 0.5}
            """
        let error = try failure(yaml)
        #expect(error.path == "stages[2].distill.losses[0].component")
        #expect(error.location?.line == 14)
        #expect(error.description.hasSuffix("no loss component 'pkd-hidden' (known: cross-entropy, hinton-kd, mse-logits, pkd, tinybert)"))
    }

    @Test func badComponentSettingsHaveThePluginsKeyPath() throws {
        let yaml = Self.base + """

              - distill:
                  student: {model: model}
                  losses:
                    - component: mse-logits
                      settings: {reduktion: mean}
            """
        let error = try failure(yaml)
        #expect(error.path == "stages[2].distill.losses[0].settings.reduktion")
        #expect(error.location?.line == 15)
    }

    @Test func missingFile() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "dev: dev.tsv", with: "dev: nowhere.tsv"))
        #expect(error.path == "data.dev")
        #expect(error.location?.line == 4 && error.location?.column == 8)
        #expect(error.description.hasSuffix("data.dev: nowhere.tsv: no such file or folder"))
    }

    @Test func aStageBeforeAnyModel() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "teacher:\n  model: model\n", with: ""))
        #expect(error.path == "stages[0]")
        #expect(error.location?.line == 6)
        #expect(error.description.contains("the finetune stage needs a model, but none exists yet"))
    }

    @Test func aSweptValueOutOfRangeIsReportedAtTheValue() throws {
        let error = try failure(Self.base + "\nsweep:\n  stages[0].finetune.learning_rate: [0.001, 5]\n")
        #expect(error.path == "stages[0].finetune.learning_rate")
        #expect(error.location?.line == 12)
    }

    @Test func syntaxErrorsHaveALine() throws {
        let error = try failure(Self.base.replacingOccurrences(of: "{split: dev}", with: "{split: dev"))
        guard case .syntax = error else { throw CommandFailure(command: "\(error)", result: CommandResult(status: 0, output: "", errors: "", crashed: false)) }
        #expect(error.location?.line != nil)
    }

    @Test func schedulesDecodeAndEvaluate() throws {
        let yaml = Self.base.replacingOccurrences(of: "- evaluate: {split: dev}", with: """
            - evaluate: {split: dev}
              - prune:
                  pruner: {component: sixteen-heads}
                  sparsity: {schedule: cubic, from: 0, to: 0.5}
            """)
        let recipe = try BertSlimHost.Recipe(yaml: yaml)
        let prune = try #require(recipe.stages[2].settings as? PruneStage)
        #expect(prune.sparsity == .cubic(from: 0, to: 0.5))
        #expect(abs(prune.sparsity.value(at: 0.5) - 0.4375) < 1e-12)
        #expect(Schedule.steps(values: [1, 0.5, 0.1], boundaries: [0.3, 0.6]).value(at: 0.45) == 0.5)
        #expect(Schedule.linear(from: 4, to: 1).value(at: 1) == 1)
    }
}
