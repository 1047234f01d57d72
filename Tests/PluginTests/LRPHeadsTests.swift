import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `lrp-heads` and `random-heads` pruners: scores, the shared selection rules, refusals.
@Suite("LRP and random heads")
struct LRPHeadsTests {
    static func pruner(_ name: String, _ yaml: String = "{}", context: ComponentContext = ComponentContext()) throws -> any Pruner {
        try firstPartyHost().make(name, as: (any Pruner).self, config: .yaml(yaml), context: context)
    }

    @Test func lrpScoresAreEachHeadsShareOfItsLayersRelevance() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let scores = try Self.pruner("lrp-heads").score(model, batches: [batch, batch])
        let relevance = try BertRelevance.propagate(model, batch: batch, epsilon: 0.01)
        for l in 0..<2 {
            let got = try #require(scores.groups[PruningScores.headGroup(layer: l)]).scalars
            // The mean over the three examples of r_h / Σ|r|, the same for both copies of the batch.
            let heads: [Float] = relevance.heads[l].scalars
            var expected = [Float](repeating: 0, count: 4)
            for i in 0..<3 {
                let scale: Float = (0..<4).reduce(0) { $0 + abs(heads[i * 4 + $1]) }
                for h in 0..<4 { expected[h] += heads[i * 4 + h] / scale / 3 }
            }
            for (a, b) in zip(got, expected) { expectClose(a, Double(b), atol: 1e-6, rtol: 1e-5) }
            #expect(got.map(abs).reduce(0, +) <= 1 + 1e-5)
        }
    }

    @Test func labelRelevanceNeedsLabels() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        _ = try Self.pruner("lrp-heads", "{class: label}").score(model, batches: [batch])
        var unlabelled = batch
        unlabelled.labels = nil
        #expect { try Self.pruner("lrp-heads", "{class: label}").score(model, batches: [unlabelled]) } throws: {
            "\($0)".contains("the batch has no labels")
        }
    }

    @Test(arguments: ["lrp-heads", "random-heads"])
    func pruningFollowsTheSharedSelectionRules(name: String) throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner(name, "{min_heads_per_layer: 2}")
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.9)
        #expect(model.layers.map(\.heads) == [2, 2] && result.removed.count == 2)
        let (other, _) = SixteenHeadsTests.tiny()
        let selected = try Self.pruner(name, context: ComponentContext(selection: ParameterSelector(names: ["re:encoder\\.layer\\.1\\..*"])))
        let scores = try selected.score(other, batches: [batch])
        #expect(Array(scores.groups.keys) == ["encoder.layer.1.attention.heads"])
        _ = try selected.prune(other, scores: scores, target: 0.5)
        #expect(other.layers.map(\.heads) == [4, 2])
    }

    @Test func randomHeadsAreSeededAndDrawnAfreshEachPass() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let a = try Self.pruner("random-heads", context: ComponentContext(seed: 3))
        let b = try Self.pruner("random-heads", context: ComponentContext(seed: 3))
        let c = try Self.pruner("random-heads", "{seed: 1}", context: ComponentContext(seed: 3))
        let first = try SixteenHeadsTests.matrix(a.score(model, batches: [batch]), layers: 2)
        #expect(first == (try SixteenHeadsTests.matrix(b.score(model, batches: [batch]), layers: 2)))
        #expect(first != (try SixteenHeadsTests.matrix(c.score(model, batches: [batch]), layers: 2)))
        #expect(first != (try SixteenHeadsTests.matrix(a.score(model, batches: [batch]), layers: 2)))
        // Over many draws every head is removed about as often as any other.
        var removed = [Int](repeating: 0, count: 8)
        for seed in 0..<400 {
            let (fresh, _) = SixteenHeadsTests.tiny()
            let pruner = try Self.pruner("random-heads", context: ComponentContext(seed: UInt64(seed)))
            let result = try pruner.prune(fresh, scores: try pruner.score(fresh, batches: []), target: 0.25)
            for (group, heads) in result.removed { for h in heads { removed[(group.contains(".0.") ? 0 : 4) + h] += 1 } }
        }
        // 400 draws × 2 of 8 heads: 100 each expected.
        #expect(removed.allSatisfy { (55...145).contains($0) }, "\(removed)")
    }

    @Test(arguments: [
        ("lrp-heads", "{epsilon: -1}", "epsilon"), ("lrp-heads", "{min_heads_per_layer: 0}", "min_heads_per_layer"),
        ("lrp-heads", "{class: gold}", "class"), ("random-heads", "{min_heads_per_layer: 0}", "min_heads_per_layer"),
    ])
    func badSettingsNameTheirKey(name: String, yaml: String, key: String) throws {
        #expect { try Self.pruner(name, yaml) } throws: { String(describing: $0).contains(key) }
    }

    @Test(arguments: ["lrp-heads", "random-heads"])
    func aModelWithoutTheCapabilityIsRefusedByName(name: String) throws {
        let (_, batch) = SixteenHeadsTests.tiny()
        #expect { try Self.pruner(name).score(NoHeads(), batches: [batch]) } throws: {
            "\($0)".contains(name) && "\($0)".contains("HeadPrunable")
        }
    }
}
