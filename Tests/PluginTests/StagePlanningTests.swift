import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// A recipe's component blocks are decoded once, when the recipe is validated, and each
/// component is built once per run; stages may carry ids that sweeps address by name.
@Suite("Stage planning", .serialized)
struct StagePlanningTests {
    /// The first-party plugins plus the `twin` loss (a fixture no other test builds or decodes),
    /// whose factory counts what the host asks of it.
    func hostWithTwin() throws -> (PluginHost, ComponentFactory) {
        let fixtures = try BadPlugins.shared.get()
        let host = PluginHost(options: .init(environment: ["BERTSLIM_PLUGIN_PATH": fixtures.twinA.deletingLastPathComponent().path],
                                             includeDefaultLocations: true))
        host.load()
        return (host, try host.factory(.loss, "twin"))
    }

    @Test("each component block is decoded once per sweep point and built once per run")
    func decodedOnceBuiltOnce() throws {
        let (host, twin) = try hostWithTwin()
        let workspace = try RecipeFixtures.workspace("planning")
        // Two sweep points that differ only after the distill stage: the stage runs once and
        // the second point reuses it.
        let recipe = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - id: student
                distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: hinton-kd}, {component: twin, weight: 0.5}]
                  epochs: 1
                  batch_size: 16
              - id: scored
                evaluate: {split: dev}

            """, sweep: """
            sweep:
              stages.scored.split: [dev, test]

            """)
        let path = try RecipeFixtures.write(recipe, "planning.yaml", in: workspace)
        let parsed = try BertSlimHost.Recipe(contentsOf: path)
        #expect(parsed.stages.map(\.id) == [nil, nil, nil, nil, "student", "scored"])
        #expect(parsed.sweep.map(\.target) == ["stages[5].evaluate.split"])

        let before = twin.statistics
        let validated = try parsed.validate(host: host)
        #expect(twin.statistics.decoded - before.decoded == 2 && twin.statistics.built == before.built,
                "validation decodes the block once per point and builds nothing: \(twin.statistics) from \(before)")
        #expect(validated.points.map(\.point.label) == ["scored.split=dev", "scored.split=test"])

        let afterValidation = twin.statistics
        let results = try Experiment(recipe: parsed, host: host,
                                     options: .init(outputDirectory: workspace.appendingPathComponent("run").path)).run()
        #expect(twin.statistics.decoded - afterValidation.decoded == 2, "a run validates again (once per point), nothing more")
        #expect(twin.statistics.built - afterValidation.built == 1, "the shared distill stage builds its loss once")
        #expect(results.points.map { $0.models.last?.evaluations.keys.sorted() ?? [] } == [["dev"], ["test"]])
    }

    @Test("a stage id is checked, unique, and a sweep by id names the ids there are")
    func stageIDs() throws {
        func failure(_ yaml: String) -> String {
            do { _ = try BertSlimHost.Recipe(yaml: yaml); return "no error" } catch { return "\(error)" }
        }
        let base = RecipeFixtures.tinyRecipe()
        #expect(failure(base.replacingOccurrences(of: "  - evaluate: {split: test}", with: "  - {id: Bad Name, evaluate: {split: test}}"))
            .contains("stages[1].id: 'Bad Name' is not a stage id"))
        #expect(failure(base.replacingOccurrences(of: "  - evaluate: {split: test}", with: "  - {id: x, evaluate: {split: test}}\n  - {id: x, evaluate: {split: dev}}"))
            .contains("stages[2].id: 'x' is already the id of stages[1]"))
        #expect(failure(base + "sweep:\n  stages.nowhere.split: [dev]\n").contains("sweep.stages.nowhere.split: no stage has the id 'nowhere'"))
        #expect(failure(base.replacingOccurrences(of: "  - evaluate: {split: test}", with: "  - {evaluate: {split: test}, export: {}}"))
            .contains("a stage is one block named by its type"))
    }
}
