import BertSlimSDK
import Foundation
import Testing

/// `OutputRequest.clsHiddenStates`: BERT returns each layer's [CLS] row, equal to position 0 of
/// its full hidden states, with gradients into the weights; `adapted(to:)` asks older models for
/// full states instead.
@Suite struct ClassTokenStatesTests {
    @Test func clsStatesArePositionZeroOfEveryHiddenState() throws {
        let model = BertModel(config: HeadPruningTests.config, seed: 4)
        let output = try withoutGradient { try model.forward(HeadPruningTests.batch, request: [.hiddenStates, .clsHiddenStates], training: false) }
        #expect(output.clsHiddenStates.count == 4 && output.hiddenStates.count == 4)
        for (cls, full) in zip(output.clsHiddenStates, output.hiddenStates) {
            #expect(cls.shape == [2, 16])
            for row in 0..<2 { #expect(Array(cls.scalars[row * 16..<(row + 1) * 16]) == Array(full.scalars[row * 6 * 16..<(row * 6 + 1) * 16])) }
        }
        // From full hidden states alone, classTokenStates slices the same rows.
        let older = ModelOutput(logits: nil, hiddenStates: output.hiddenStates)
        #expect(older.classTokenStates.map(\.scalars) == output.clsHiddenStates.map(\.scalars))
        #expect(try model.forward(HeadPruningTests.batch, request: [], training: false).clsHiddenStates.isEmpty)
    }

    @Test func gradientsReachTheLayersThroughClsStates() throws {
        let model = BertModel(config: HeadPruningTests.config, seed: 4)
        let output = try model.forward(HeadPruningTests.batch, request: [.clsHiddenStates], training: false)
        sum(output.clsHiddenStates[1] * output.clsHiddenStates[1]).backward()
        let first = try #require(model.parameter(named: "encoder.layer.0.output.dense.weight")?.grad)
        #expect(first.scalars.contains { $0 != 0 })
        // Layer 1's output does not depend on layer 2.
        #expect(model.parameter(named: "encoder.layer.2.output.dense.weight")?.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true)
    }

    @Test func olderModelsAreAskedForFullHiddenStates() {
        let wanted: OutputRequest = [.clsHiddenStates]
        #expect(wanted.adapted(to: .all) == (request: [.clsHiddenStates], missing: []))
        let old = wanted.adapted(to: [.hiddenStates, .attentionScores])
        #expect(old.request == [.hiddenStates] && old.missing.isEmpty)
        #expect(wanted.adapted(to: []).missing == [.clsHiddenStates])
        #expect(OutputRequest([.hiddenStates, .clsHiddenStates]).names == ["hidden states", "[CLS] hidden states"])
    }
}
