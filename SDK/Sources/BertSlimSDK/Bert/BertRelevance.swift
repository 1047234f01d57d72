/// Layer-wise relevance propagation (LRP) through a BERT classifier: how much of a class's logit
/// each head's output, each layer and each token carries (SDK 1.3).
///
/// Relevance starts at the chosen class's logit z_c and flows back through the classifier, the
/// pooler and every encoder layer to the embeddings' output. It is computed in the
/// gradient × input form (Ali et al. 2022): the relevance of an activation a is a ⊙ ĝ(a), where
/// ĝ is the gradient of z_c through a network whose backward pass is changed to carry out the
/// rules, so that nothing is divided by a value that may be near zero:
///
/// - **Linear layers: LRP-ε.** For z = x·Wᵀ + b, R(x_i) = x_i · Σ_j W_ji · R(z_j)/(z_j + ε·sign z_j),
///   i.e. ĝ(x) = (ĝ(z) ⊙ z/(z + ε·sign z))·W. The bias and ε keep what the rule does not pass on.
/// - **Element-wise activations** (the pooler's tanh, the FFN's GELU): the identity rule,
///   R(z) = R(φ(z)), i.e. ĝ(z) = ĝ(φ(z)) ⊙ φ(z)/z (Φ(z) for GELU, in (0, 1)).
/// - **Attention**: the attention probabilities are constants (Voita et al. 2019, after Ding et
///   al. 2017): a head's output P·V is linear in the values, relevance reaches the layer's input
///   through V and W_v only, and none goes to queries and keys. A head's relevance is the total
///   relevance on its output (its slice of the context vectors, before W_o).
/// - **LayerNorm**: y = γ·(u − μ)/σ + β with σ held constant (Ali et al. 2022's LN rule), a
///   linear map of u (centring included); β keeps its share, as a bias does.
/// - **Residual connections** u = sublayer + x: relevance splits in proportion to each term's
///   contribution, R(term) = term ⊙ ĝ(u).
///
/// These rules conserve relevance except for what biases, β and ε keep. ``Result/layerTotals``
/// holds, per layer and example, the total on its output, the total on its input and what the
/// layer's biases, β and ε kept, so that output = input + kept (the tests check it to float
/// precision on MiniLM-L6).
///
/// Based on: Bach et al. 2015 (LRP); Voita et al. 2019, Analyzing Multi-Head Self-Attention
/// (head relevance); Ali et al. 2022, XAI for Transformers: Better Explanations through
/// Conservative Propagation (gradient × input form, LayerNorm and attention held constant).
public enum BertRelevance {
    /// What a relevance pass found, per example of the batch.
    public struct Result {
        /// Per layer, `(B, heads)`: the relevance on each remaining head's output.
        public var heads: [Tensor]
        /// Per layer and example: the total relevance on its output, on its input, and what its
        /// biases, LayerNorm β and ε kept (output = input + kept).
        public var layerTotals: [(output: [Float], input: [Float], kept: [Float])]
        /// `(B, T)`: the relevance reaching each token at the embeddings' output.
        public var tokens: Tensor
        /// The class each example's relevance started from.
        public var classes: [Int]
        /// The relevance that started the pass: the logit z_c per example.
        public var start: [Float]
    }

    /// Which class's logit relevance starts from.
    public enum Target: Sendable {
        /// The class the model predicts for each example.
        case predicted
        /// One class for every example.
        case fixed(Int)
        /// One class per example (e.g. the labels).
        case each([Int])
    }

    /// Runs the model on `batch` and propagates relevance back to every head and token.
    /// - Parameters:
    ///   - epsilon: the ε of the ε-rule (a stabiliser; it absorbs relevance where |z| is small).
    /// - Throws: ``BertError`` when the batch does not fit the model; ``ComponentError`` when the
    ///   model has no classification head, a class is out of range, or a ``LinearTransform`` is
    ///   installed (its weights are not the ones relevance would flow through).
    public static func propagate(_ model: BertModel, batch: Batch, target: Target = .predicted, epsilon: Float = 1e-6) throws -> Result {
        let name = "lrp"
        guard let classifierWeight = model.classifierWeight else { throw ComponentError(name, "needs a model with a classification head") }
        guard model.linearTransform == nil else { throw ComponentError(name, "cannot run on a model with a LinearTransform installed") }
        return try withoutGradient {
            let output = try model.forward(batch, request: [.hiddenStates, .attentionProbabilities], training: false)
            guard let logits = output.logits, let pooled = output.pooled else { throw ComponentError(name, "the model gave no logits") }
            let (b, t, h) = (batch.size, batch.length, model.config.hiddenSize)
            let labels = logits.shape[1]
            let classes: [Int]
            switch target {
            case .predicted: classes = argmax(logits)
            case .fixed(let c):
                guard (0..<labels).contains(c) else { throw ComponentError(name, "class \(c) is not one of the model's \(labels)") }
                classes = Array(repeating: c, count: b)
            case .each(let chosen):
                guard chosen.count == b, chosen.allSatisfy({ (0..<labels).contains($0) }) else {
                    throw ComponentError(name, "needs one class in 0..<\(labels) per example; got \(chosen.count) for \(b) examples")
                }
                classes = chosen
            }
            // Classifier row c: ĝ(pooled) = W_c · z_c/(z_c + ε).
            let weights = classifierWeight.value.scalars
            let start = (0..<b).map { logits.scalars[$0 * labels + classes[$0]] }
            var rows = [Float](repeating: 0, count: b * h)
            for (i, c) in classes.enumerated() {
                let keep = start[i] / stabilised(start[i], epsilon)
                for j in 0..<h { rows[i * h + j] = weights[c * h + j] * keep }
            }
            // tanh (identity rule), then the pooler's Linear onto the [CLS] row.
            let cls = output.hiddenStates[model.layers.count].slice(axis: 1, range: 0..<1).reshaped([b, h])
            let poolerInput = linear(cls, weight: model.poolerWeight.value, bias: model.poolerBias.value)
            let gradientCLS = linearGradient(mul(Tensor(shape: [b, h], scalars: rows), identityRule(pooled, poolerInput, atZero: 1)),
                                             z: poolerInput, weight: model.poolerWeight.value, epsilon: epsilon)
            var full = [Float](repeating: 0, count: b * t * h)
            gradientCLS.withUnsafeBufferPointer { g in
                for i in 0..<b { for j in 0..<h { full[(i * t) * h + j] = g[i * h + j] } }
            }
            var gradient = Tensor(shape: [b, t, h], scalars: full)
            var heads = [Tensor](repeating: Tensor.zeros([0]), count: model.layers.count)
            var totals = [(output: [Float], input: [Float], kept: [Float])](repeating: ([], [], []), count: model.layers.count)
            for (l, layer) in model.layers.enumerated().reversed() {
                let outputTotal = sum(mul(output.hiddenStates[l + 1], gradient), axes: [1, 2]).scalars
                let step = layerRelevance(layer, input: output.hiddenStates[l], probabilities: output.attentionProbabilities[l],
                                          gradient: gradient, epsilon: epsilon)
                heads[l] = step.heads
                gradient = step.input
                totals[l] = (outputTotal, sum(mul(output.hiddenStates[l], gradient), axes: [1, 2]).scalars, step.kept)
            }
            return Result(heads: heads, layerTotals: totals, tokens: sum(mul(output.hiddenStates[0], gradient), axes: [2]),
                          classes: classes, start: start)
        }
    }

    /// One encoder layer backwards: the modified gradient ĝ on its output → ĝ on its input, and
    /// each head's relevance; also the layer's output as recomputed here (equal to the model's;
    /// the tests compare).
    static func layerRelevance(_ layer: BertLayer, input x: Tensor, probabilities: Tensor, gradient: Tensor,
                               epsilon: Float) -> (input: Tensor, heads: Tensor, output: Tensor, kept: [Float]) {
        let heads = layer.heads
        // The layer's forward pass again, keeping what the rules need.
        let value = linear(x, weight: layer.value.value, bias: layer.valueBias.value)
        let merged = mergeHeads(matmul(probabilities, splitHeads(value, heads: heads)))
        let attention = linear(merged, weight: layer.attentionOutput.value, bias: layer.attentionOutputBias.value)
        let u1 = attention + x
        let h1 = layerNorm(u1, gamma: layer.attentionNormWeight.value, beta: layer.attentionNormBias.value, eps: layer.eps)
        let pre = linear(h1, weight: layer.intermediate.value, bias: layer.intermediateBias.value)
        let inner = gelu(pre)
        let out = linear(inner, weight: layer.output.value, bias: layer.outputBias.value)
        let u2 = out + h1
        let h2 = layerNorm(u2, gamma: layer.outputNormWeight.value, beta: layer.outputNormBias.value, eps: layer.eps)

        // Output LayerNorm; the residual passes ĝ(u2) to both terms; FFN: W_o (ε), GELU (identity), W_i (ε).
        let gU2 = layerNormGradient(u: u2, gamma: layer.outputNormWeight.value, gradient: gradient, eps: layer.eps)
        let gInner = linearGradient(gU2, z: out, weight: layer.output.value, epsilon: epsilon)
        let gPre = mul(gInner, identityRule(inner, pre, atZero: 0.5))
        let gH1 = gU2 + linearGradient(gPre, z: pre, weight: layer.intermediate.value, epsilon: epsilon)
        // Attention-output LayerNorm, the residual, W_o (ε) onto the heads' outputs.
        let gU1 = layerNormGradient(u: u1, gamma: layer.attentionNormWeight.value, gradient: gH1, eps: layer.eps)
        let gMerged = linearGradient(gU1, z: attention, weight: layer.attentionOutput.value, epsilon: epsilon)
        let headRelevance = sum(splitHeads(mul(merged, gMerged), heads: heads), axes: [2, 3])       // (B, heads)
        // P·V with P constant: ĝ(V) = Pᵀ·ĝ(ctx); then W_v (ε).
        let gValue = mergeHeads(matmul(probabilities, splitHeads(gMerged, heads: heads), transposeA: true))
        let gInput = gU1 + linearGradient(gValue, z: value, weight: layer.value.value, epsilon: epsilon)
        // What the biases, β and ε kept, per example.
        let kept = [kept(gradient, by: layer.outputNormBias.value), kept(gU2, z: out, bias: layer.outputBias.value, epsilon: epsilon),
                    kept(gPre, z: pre, bias: layer.intermediateBias.value, epsilon: epsilon), kept(gH1, by: layer.attentionNormBias.value),
                    kept(gU1, z: attention, bias: layer.attentionOutputBias.value, epsilon: epsilon),
                    kept(gValue, z: value, bias: layer.valueBias.value, epsilon: epsilon)]
            .reduce([Float](repeating: 0, count: x.shape[0])) { zip($0, $1).map(+) }
        return (gInput, headRelevance, h2, kept)
    }

    /// Relevance a Linear layer z = x·Wᵀ + b keeps under the ε-rule, per example:
    /// Σ ĝ(z)·z·(b + ε·sign z)/(z + ε·sign z) (its input receives Σ ĝ(z)·z·(z − b)/(z + ε·sign z)).
    static func kept(_ gradient: Tensor, z: Tensor, bias: Tensor, epsilon: Float) -> [Float] {
        let width = bias.count, rows = z.count / max(width, 1), batch = z.shape[0]
        var out = [Float](repeating: 0, count: batch)
        gradient.withUnsafeBufferPointer { g in z.withUnsafeBufferPointer { z in bias.withUnsafeBufferPointer { b in
            for row in 0..<rows {
                var total: Float = 0
                for j in 0..<width {
                    let i = row * width + j, e: Float = z[i] >= 0 ? epsilon : -epsilon
                    total += g[i] * z[i] * (b[j] + e) / (z[i] + e)
                }
                out[row / (rows / batch)] += total
            }
        } } }
        return out
    }

    /// Relevance LayerNorm's β keeps, per example: Σ β ⊙ ĝ(y).
    static func kept(_ gradient: Tensor, by beta: Tensor) -> [Float] {
        sum(mul(gradient, beta), axes: Array(1..<gradient.rank)).scalars
    }

    /// The ε-rule through z = x·Wᵀ + b in gradient form: ĝ(x) = (ĝ(z) ⊙ z/(z + ε·sign z))·W.
    static func linearGradient(_ gradient: Tensor, z: Tensor, weight: Tensor, epsilon: Float) -> Tensor {
        guard epsilon > 0 else { return matmul(gradient, weight) }
        var scaled = [Float](repeating: 0, count: z.count)
        gradient.withUnsafeBufferPointer { g in z.withUnsafeBufferPointer { z in
            for i in 0..<scaled.count { scaled[i] = g[i] * z[i] / stabilised(z[i], epsilon) }
        } }
        return matmul(Tensor(shape: z.shape, scalars: scaled), weight)
    }

    /// The identity rule's factor φ(z)/z for an element-wise activation a = φ(z), `atZero` (its
    /// limit φ'(0)) where z is 0.
    static func identityRule(_ activation: Tensor, _ z: Tensor, atZero: Float) -> Tensor {
        var factor = [Float](repeating: 0, count: z.count)
        activation.withUnsafeBufferPointer { a in z.withUnsafeBufferPointer { z in
            for i in 0..<factor.count { factor[i] = abs(z[i]) > 1e-6 ? a[i] / z[i] : atZero }
        } }
        return Tensor(shape: z.shape, scalars: factor)
    }

    /// Through y = γ·(u − μ)/σ + β with σ constant: ĝ(u_i) = (γ_i·ĝ(y_i) − mean_j γ_j·ĝ(y_j))/σ.
    static func layerNormGradient(u: Tensor, gamma: Tensor, gradient: Tensor, eps: Float) -> Tensor {
        let width = u.shape[u.rank - 1]
        let rows = u.count / max(width, 1)
        var out = [Float](repeating: 0, count: u.count)
        u.withUnsafeBufferPointer { u in gamma.withUnsafeBufferPointer { g in gradient.withUnsafeBufferPointer { r in
            for row in 0..<rows {
                let base = row * width
                var mean: Float = 0
                for j in 0..<width { mean += u[base + j] }
                mean /= Float(width)
                var variance: Float = 0
                for j in 0..<width { variance += (u[base + j] - mean) * (u[base + j] - mean) }
                let sigma = (variance / Float(width) + eps).squareRoot()
                var gsMean: Float = 0
                for j in 0..<width { gsMean += g[j] * r[base + j] }
                gsMean /= Float(width)
                for i in 0..<width { out[base + i] = (g[i] * r[base + i] - gsMean) / sigma }
            }
        } } }
        return Tensor(shape: u.shape, scalars: out)
    }
}

/// z + ε·sign z (sign 0 as +), never 0 for ε > 0.
@inline(__always)
func stabilised(_ z: Float, _ epsilon: Float) -> Float { z >= 0 ? z + epsilon : z - epsilon }
