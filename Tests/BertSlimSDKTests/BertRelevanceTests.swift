@testable import BertSlimSDK
import Foundation
import Testing

/// Layer-wise relevance propagation (``BertRelevance``): each rule on numbers worked out by hand,
/// the layer's forward pass as the relevance pass recomputes it, and conservation through
/// MiniLM-L6 on real MR sentences.
@Suite("LRP through BERT")
struct BertRelevanceTests {
    func values(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }

    // Each rule on numbers worked out by hand, in the gradient form the pass uses: the relevance
    // of an activation a is a ⊙ ĝ(a).

    @Test func theEpsilonRuleThroughALinearLayerByHand() {
        // x = [1, 2], W = [[1, 0], [1, 1]], b = [0, 1]: z = [1, 4]. R(z) = [0.5, 2] is ĝ(z) = [0.5, 0.5].
        // LRP-ε with ε = 1: R(x_i) = x_i·Σ_j W_ji·R(z_j)/(z_j + 1) = x ⊙ ([0.25, 0.4]·W) = [1·0.65, 2·0.4] = [0.65, 0.8].
        let z = Tensor(shape: [1, 2], scalars: [1, 4])
        let g = BertRelevance.linearGradient(Tensor(shape: [1, 2], scalars: [0.5, 0.5]), z: z,
                                              weight: Tensor(shape: [2, 2], scalars: [1, 0, 1, 1]), epsilon: 1)
        let r = mul(Tensor(shape: [1, 2], scalars: [1, 2]), g).scalars
        #expect(abs(r[0] - 0.65) < 1e-6 && abs(r[1] - 0.8) < 1e-6, "\(r)")
    }

    @Test func layerNormWithItsDeviationHeldConstantByHand() {
        // u = [1, 3]: μ = 2, σ = 1; γ = [1, 2]; ĝ(y) = [0.5, 1]: γ·ĝ = [0.5, 2], mean 1.25;
        // ĝ(u) = (γ·ĝ − 1.25)/σ = [−0.75, 0.75]; R(u) = u ⊙ ĝ(u) = [−0.75, 2.25], whose sum 1.5
        // is Σ (y − β) ⊙ ĝ(y) = [−1, 2]·[0.5, 1].
        let g = BertRelevance.layerNormGradient(u: Tensor(shape: [1, 2], scalars: [1, 3]), gamma: Tensor(shape: [2], scalars: [1, 2]),
                                                gradient: Tensor(shape: [1, 2], scalars: [0.5, 1]), eps: 0)
        #expect(values(g) == [-0.75, 0.75])
    }

    @Test func theIdentityRuleKeepsRelevanceThroughAnActivation() {
        // GELU(2) = 1.9545: ĝ(z) = ĝ(a)·a/z, so R(z) = z·ĝ(z) = a·ĝ(a) = R(a).
        let z = Tensor(shape: [3], scalars: [2, -1, 0])
        let a = gelu(z)
        let factor = BertRelevance.identityRule(a, z, atZero: 0.5).scalars
        for i in 0..<2 { #expect(abs(z.scalars[i] * factor[i] - a.scalars[i]) < 1e-6) }
        #expect(factor[2] == 0.5)
    }

    @Test func attentionSendsRelevanceToTheValuesByHand() throws {
        // One head, T = 2, d = 1, W_v = W_o = 1, zero biases, LayerNorm left out: P = [[0.25, 0.75],
        // [1, 0]], V = x = [2, 4]: ctx = P·V = [3.5, 2]. ĝ(ctx) = [2, 0.5] (R(ctx) = [7, 1]):
        // ĝ(V) = Pᵀ·ĝ(ctx) = [1, 1.5], R(V) = V ⊙ ĝ(V) = [2, 6] (sum 8 = ΣR(ctx)).
        let p = Tensor(shape: [1, 1, 2, 2], scalars: [0.25, 0.75, 1, 0])
        let gradient = matmul(p, Tensor(shape: [1, 1, 2, 1], scalars: [2, 0.5]), transposeA: true)
        #expect(values(mul(Tensor(shape: [1, 1, 2, 1], scalars: [2, 4]), gradient)) == [2, 6])
    }

    /// MiniLM-L6 (pre-trained encoder, a seeded head) on 16 MR sentences.
    static func miniLM() throws -> (BertModel, Batch) {
        let model = try BertModel.load(directory: assetsPath + "/model/minilm-l6")
        model.addClassifier(labels: ["negative", "positive"], seed: 4)
        let lines = try String(contentsOfFile: assetsPath + "/data/mr/test.tsv", encoding: .utf8).split(separator: "\n").dropFirst().prefix(16)
        let texts = lines.map { String($0.split(separator: "\t")[0]) }
        let encoded = EncodedDataset(TextDataset(examples: texts.map { TextExample(text: $0) }), tokenizer: try miniLMTokenizer(), maxLength: 64)
        return (model, encoded.batch(Array(0..<texts.count)))
    }

    /// The committed random MPNet classifier (relative-position bias) on its fixture batch.
    static func mpnet() throws -> (BertModel, Batch) {
        (try MPNetTests.tiny(), try MPNetTests.batch(MPNetTests.fixture()))
    }

    @Test(arguments: ["minilm", "mpnet"])
    func theRecomputedLayerEqualsTheModelsAndRelevanceIsConserved(variant: String) throws {
        let (model, batch) = try variant == "mpnet" ? Self.mpnet() : Self.miniLM()
        let output = try model.forward(batch, request: [.hiddenStates, .attentionProbabilities], training: false)
        for (l, layer) in model.layers.enumerated() {
            let step = BertRelevance.layerRelevance(layer, input: output.hiddenStates[l], probabilities: output.attentionProbabilities[l],
                                                    gradient: Tensor.zeros(output.hiddenStates[l].shape), epsilon: 1e-6)
            for (a, b) in zip(step.output.scalars, output.hiddenStates[l + 1].scalars) { #expect(abs(a - b) <= 1e-4) }
        }
        let result = try BertRelevance.propagate(model, batch: batch)
        let logits = try #require(output.logits).scalars
        for (i, c) in result.classes.enumerated() {
            #expect(logits[i * 2 + c] >= logits[i * 2 + 1 - c])
            #expect(abs(result.start[i] - logits[i * 2 + c]) <= 1e-5)
        }
        // Per layer and example: what entered the output left through the input or stayed with the
        // biases, β and ε, to float precision.
        for (l, totals) in result.layerTotals.enumerated() {
            for i in 0..<batch.size {
                let scale = abs(totals.output[i]) + abs(totals.input[i]) + abs(totals.kept[i])
                #expect(abs(totals.input[i] + totals.kept[i] - totals.output[i]) <= 1e-3 * scale, "layer \(l), example \(i): \(totals)")
            }
        }
        // The tokens get what leaves the first layer's input.
        for i in 0..<batch.size {
            let tokens = result.tokens.slice(axis: 0, range: i..<i + 1).scalars.reduce(0, +)
            #expect(abs(tokens - result.layerTotals[0].input[i]) <= 1e-4 * abs(result.layerTotals[0].input[i]) + 1e-7)
        }
        #expect(result.heads.count == model.layers.count
                && result.heads.allSatisfy { $0.shape == [batch.size, model.config.numAttentionHeads] })
    }
}
