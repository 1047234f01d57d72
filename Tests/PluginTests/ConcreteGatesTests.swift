import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `concrete-gates` pruner on a tiny BERT: closed gates go, open ones are folded into the
/// output projection exactly, λ = 0 changes nothing, a large λ closes all but the minimum, the
/// λ search aims at a head count, and bad settings are refused by `validate`.
@Suite("Concrete head gates")
struct ConcreteGatesTests {
    static func pruner(_ yaml: String, teacher: BertModel? = nil) throws -> any Pruner {
        try firstPartyHost().make("concrete-gates", as: (any Pruner).self, config: .yaml(yaml),
                                  context: ComponentContext(teacher: teacher.map { StaticTeacher(model: $0) }, seed: 2))
    }

    @Test func withoutAPenaltyNothingChanges() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let (reference, _) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner("{lambda: 0, passes: 3}", teacher: reference)
        let scores = try pruner.score(model, batches: [batch])
        #expect(try SixteenHeadsTests.matrix(scores, layers: 2).allSatisfy { $0 == 1 })
        let result = try pruner.prune(model, scores: scores, target: 0.5)
        #expect(result.removed.isEmpty && model.layers.map(\.heads) == [4, 4])
        let a = try #require(try model.forward(batch, request: [], training: false).logits).scalars
        let b = try #require(try reference.forward(batch, request: [], training: false).logits).scalars
        #expect(a == b)
    }

    @Test func closedGatesGoAndOpenOnesAreFoldedExactly() throws {
        // Several λ: those that close some heads and leave others scaled show the folding.
        var checked = 0
        for lambda in [0.005, 0.01, 0.02, 0.05, 0.1] {
            let (model, batch) = SixteenHeadsTests.tiny()
            let (reference, _) = SixteenHeadsTests.tiny()
            let pruner = try Self.pruner("{lambda: \(lambda), passes: 10, objective: task}")
            let scores = try pruner.score(model, batches: [batch])
            let gates = try (0..<2).map { try #require(scores.groups[PruningScores.headGroup(layer: $0)]) }
            let closed = gates.map { $0.scalars.filter { $0 == 0 }.count }
            _ = try pruner.prune(model, scores: scores, target: 0)
            #expect(model.layers.map(\.heads) == closed.map { max(4 - $0, 1) }, "gates \(gates.map(\.scalars))")
            guard closed.allSatisfy({ $0 < 4 }), gates.contains(where: { $0.scalars.contains { $0 > 0 && $0 < 1 } }) else { continue }
            // The pruned model computes what the unpruned one does with its heads gated by the values.
            let gated = try #require(try reference.forward(batch, request: [], headGates: gates, training: false).logits).scalars
            let pruned = try #require(try model.forward(batch, request: [], training: false).logits).scalars
            for (x, y) in zip(gated, pruned) { #expect(abs(x - y) <= 1e-5) }
            checked += 1
        }
        #expect(checked > 0, "no λ left heads both removed and scaled")
    }

    @Test func aLargePenaltyClosesAllButTheMinimum() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner("{lambda: 20, passes: 40, learning_rate: 0.3, objective: task, min_heads_per_layer: 2}")
        _ = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0)
        #expect(model.layers.map(\.heads) == [2, 2])
    }

    @Test func theSearchAimsAtTheTargetAndTheStageTarget() throws {
        for (settings, target, wanted) in [("{target_heads: 4, passes: 20, search_steps: 8, learning_rate: 0.3, objective: task}", 0.0, 4),
                                           ("{passes: 20, search_steps: 8, learning_rate: 0.3, objective: task}", 0.25, 2)] {
            let (model, batch) = SixteenHeadsTests.tiny()
            let pruner = try Self.pruner(settings)
            let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: target)
            let removed = result.removed.values.reduce(0) { $0 + $1.count }
            #expect(abs(removed - wanted) <= 1, "\(settings): removed \(removed), wanted \(wanted)")
        }
    }

    @Test(arguments: [
        ("{lambda: -0.1}", "settings.lambda"), ("{beta: 0}", "settings.beta"), ("{lambda: 0.1, target_heads: 3}", "settings.target_heads"),
        ("{target_heads: 8}", "settings.target_heads: 8 is more than the 6 heads"),
    ])
    func badSettingsAreRefusedByValidate(settings: String, message: String) throws {
        let workspace = try RecipeFixtures.workspace("concrete-gates")
        let yaml = RecipeFixtures.tinyRecipe(extraStages: """
              - prune: {pruner: {component: concrete-gates, settings: \(settings)}, sparsity: 0.5}
            """)
        let error = try RecipeFixtures.validationFailure(yaml, in: workspace)
        #expect("\(error)".contains("stages[4].prune.pruner.\(message)"), "\(error)")
    }
}
