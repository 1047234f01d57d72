import BertSlimSDK

/// Q-BERT's mixed precision: each encoder layer's sharpness from its Hessian, then the bits.
///
/// **Sharpness.** For layer i, λ_i is the top eigenvalue of the Hessian of the cross-entropy
/// with respect to the layer's six weight matrices (``topHessianEigenvalue(parameters:maxIterations:tolerance:step:seed:loss:)``:
/// power iteration on finite-difference Hessian-vector products), measured on `subsets` random
/// subsets of `batches` calibration batches each; Ω_i = |mean λ_i| + std λ_i (Shen et al. 2019, §3.2).
///
/// **Bits.** A second-order Taylor expansion around the trained weights puts the loss increase
/// of quantizing layer i at about ½·Ω_i·‖W_i − Q_b(W_i)‖² (Ω_i standing for the curvature along
/// the quantization error). The allocation chooses b_i from `bits` to minimise
/// Σ_i Ω_i·‖W_i − Q_{b_i}(W_i)‖², with the errors measured on the layer's own weights at each
/// width, subject to Σ_i n_i·b_i ≤ size_budget·Σ_i n_i (n_i the layer's weights), exactly
/// (``allocateBits(costs:sizes:widths:budget:)``). Sharper layers, and layers whose weights quantize
/// worse, get more bits.
struct BitAllocation {
    /// λ per layer, per subset.
    let eigenvalues: [[Double]]
    /// Ω per layer.
    let omega: [Double]
    /// The chosen bits per layer.
    let bits: [Int]
    /// Σ ‖W − Q_b(W)‖² per layer, per width of `widths`.
    let errors: [[Double]]
    let widths: [Int]
    let budget: Double

    /// What the model folder and results record.
    var record: [String: Any] {
        ["omega": omega, "eigenvalues": eigenvalues, "bits": bits, "widths": widths, "size_budget": budget,
         "squared_errors": errors,
         "rule": "minimise sum_i omega_i * ||W_i - Q_b_i(W_i)||^2 subject to sum_i n_i * b_i <= size_budget * sum_i n_i"]
    }

    /// Measures and allocates.
    /// - Parameters:
    ///   - model: the classifier whose cross-entropy the Hessian is of (no dropout).
    ///   - bert: its encoder.
    ///   - batches: labelled calibration batches; subsets are drawn from them with `seed`.
    ///   - fake: the layer's weight `name` quantized at `bits` and read back (`heads` for its groups).
    /// - Throws: when a batch has no labels or the model no logits.
    init(model: any Model, bert: BertModel, batches: [Batch], settings: QBERTQuantizer.MixedPrecision, seed: UInt64,
         fake: (_ name: String, _ weight: Tensor, _ heads: Int, _ bits: Int) -> Tensor) throws {
        var generator = SeededGenerator(seed: seed &+ 0x4E55)
        let subsets = (0..<settings.subsets).map { _ in
            Array(batches.indices.shuffled(using: &generator).prefix(settings.batches)).sorted().map { batches[$0] }
        }
        var failure: Error?
        func loss(_ subset: [Batch]) -> Tensor {
            let total = Float(subset.map(\.size).reduce(0, +))
            var sum: Tensor?
            for batch in subset {
                do {
                    guard let labels = batch.labels else { throw ComponentError(QBERTQuantizer.name, "the Hessian needs labelled calibration batches") }
                    guard let logits = try model.forward(batch, request: [], training: false).logits else {
                        throw ComponentError(QBERTQuantizer.name, "the Hessian needs a model with a classification head")
                    }
                    let term = try crossEntropy(logits, labels: labels) * (Float(batch.size) / total)
                    sum = sum.map { $0 + term } ?? term
                } catch {
                    failure = failure ?? error
                }
            }
            return sum ?? Tensor(shape: [], scalars: [0])
        }
        var eigenvalues: [[Double]] = []
        for layer in bert.layers {
            let weights = [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output]
            eigenvalues.append(subsets.enumerated().map { s, subset in
                topHessianEigenvalue(parameters: weights, maxIterations: settings.iterations, tolerance: settings.tolerance,
                                     seed: seed &+ UInt64(s)) { loss(subset) }.value
            })
            if let failure { throw failure }
        }
        for p in bert.namedParameters.map(\.parameter) { p.zeroGrad() }
        let omega = eigenvalues.map { values -> Double in
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
            return abs(mean) + variance.squareRoot()
        }
        let widths = settings.bits.sorted()
        let errors: [[Double]] = withoutGradient {
            bert.layers.enumerated().map { l, layer in
                let weights = [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output]
                let names = LowBitBertModel.encoderLinearNames(layer: l)
                return widths.map { bits in
                    zip(names, weights).reduce(0.0) { sum, pair in
                        let w = pair.1.value
                        return sum + zip(fake(pair.0, w, layer.heads, bits).scalars, w.scalars).reduce(0.0) {
                            $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1)
                        }
                    }
                }
            }
        }
        let sizes = bert.layers.map { [$0.query, $0.key, $0.value, $0.attentionOutput, $0.intermediate, $0.output].reduce(0) { $0 + $1.value.count } }
        self.eigenvalues = eigenvalues
        self.omega = omega
        self.errors = errors
        self.widths = widths
        self.budget = settings.sizeBudget
        guard let bits = allocateBits(costs: zip(omega, errors).map { o, e in e.map { o * $0 } }, sizes: sizes, widths: widths,
                                      budget: settings.sizeBudget) else {
            throw ComponentError(QBERTQuantizer.name, "size_budget \(settings.sizeBudget) is below every layer at \(widths[0]) bits")
        }
        self.bits = bits
    }
}
