import BertSlimSDK

/// k-means quantization, the seed's "pseudo quantization" (Han et al. 2016, Deep Compression):
/// each encoder Linear weight (per matrix, or per `groups` row blocks) is clustered into 2^b
/// centroids (k-means++, then Lloyd iterations to `tolerance`, seeded) and stored as b-bit
/// indices plus the codebook; the converted model looks the centroids up at run time.
///
/// With `epochs` in the quantize stage, the centroids are fine-tuned: the forward pass reads
/// every weight from its centroid, and the gradients of the weights sharing a centroid are
/// summed into it (``codebookLookup(_:codes:shape:)``); the indices stay fixed. Biases and
/// LayerNorm train too, the pooler, classifier and tables through 8-bit fake quantization, and
/// every Linear input is fake-quantized to 8 bits as the converted model runs it.
final class KMeansQuantizer: Quantizer {
    static let name = "kmeans"
    static let modelName = "kmeans-lowbit"

    struct Settings: ModelCheckedSettings {
        var bits = 4
        var groups = 1
        var tolerance: Float = 1e-4
        var maxIterations = 300
        static var keys: [SettingKey<Settings>] { [
            SettingKey("bits", \.bits, "bits per index: 2^bits centroids (2, 3, 4 or 8)",
                       valid: { LowBitSpec.supportedBits.contains($0) ? nil : "\($0) is not one of 2, 3, 4, 8" }),
            SettingKey("groups", \.groups, "row blocks per matrix with their own codebook (1: per matrix, as Deep Compression)",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("tolerance", \.tolerance, "Lloyd stops when no centroid moves by more than this fraction of the value range",
                       valid: { $0 >= 0 && $0 < 1 ? nil : "\($0) is not in [0, 1)" }),
            SettingKey("max_iterations", \.maxIterations, "the cap on Lloyd iterations",
                       valid: { (1...100_000).contains($0) ? nil : "\($0) is not in 1...100000" }),
        ] }

        func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
            guard let model = context.stageModel, let hidden = model.hiddenSize else { return nil }
            for rows in [hidden] + (model.intermediateSize.map { [$0] } ?? []) where rows % groups != 0 {
                return ("groups", "\(groups) groups do not divide the \(rows) rows of a Linear weight of \(model.name)")
            }
            return nil
        }
    }

    let settings: Settings
    let seed: UInt64

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        seed = context.seed
    }

    private func encoder(_ model: any Model) throws -> BertModel { try quantizableEncoder(of: model, component: Self.name) }

    /// Clusters every encoder weight and installs the codebook lookup.
    func prepare(_ model: any Model) throws {
        let bert = try encoder(model)
        var shared: [ObjectIdentifier: SharedWeight] = [:]
        for (l, layer) in bert.layers.enumerated() {
            let weights = [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output]
            for (i, (name, w)) in zip(LowBitBertModel.encoderLinearNames(layer: l), weights).enumerated() {
                let spec = LowBitSpec(bits: settings.bits, groups: settings.groups, scheme: .codebook)
                let packed: LowBitWeight
                do {
                    packed = try quantizeKMeans(w.value, spec: spec, seed: seed &+ UInt64(l * 8 + i), tolerance: settings.tolerance,
                                                maxIterations: settings.maxIterations)
                } catch {
                    throw ComponentError(Self.name, "\(name): \(error)")
                }
                shared[ObjectIdentifier(w)] = SharedWeight(name: name, codes: packed.codes, shape: packed.shape, spec: spec,
                                                           centroids: Parameter(Tensor(shape: [spec.groups, spec.levels], scalars: packed.codebook)))
            }
        }
        bert.linearTransform = CodebookTransform(weights: shared)
    }

    func convert(_ model: any Model) throws -> any Model {
        let bert = try encoder(model)
        guard let transform = bert.linearTransform as? CodebookTransform else {
            throw ComponentError(Self.name, "convert called before prepare")
        }
        bert.linearTransform = nil
        let byName = Dictionary(uniqueKeysWithValues: transform.weights.values.map { ($0.name, $0) })
        let details: [String: Any] = ["method": Self.name, "layer_bits": Array(repeating: settings.bits, count: bert.layers.count)]
        return try LowBitBertModel(converting: bert, component: Self.modelName, details: details) { name, _ in
            let w = byName[name]!
            return try LowBitWeight(codes: w.codes, shape: w.shape, spec: w.spec, codebook: w.centroids.value.scalars)
        }
    }
}

/// One clustered weight: fixed indices and trainable centroids.
struct SharedWeight {
    let name: String
    let codes: [UInt8]
    let shape: [Int]
    let spec: LowBitSpec
    let centroids: Parameter
}

/// The Linear hook of centroid fine-tuning: every clustered weight is read from its codebook
/// (gradients summed into the centroids), the other weights and tables and every input are
/// fake-quantized to 8 bits (inputs with each batch's own max|x|). The centroids are the
/// transform's own parameters, so the optimizer steps them and checkpoints keep them.
final class CodebookTransform: LinearTransform {
    let weights: [ObjectIdentifier: SharedWeight]

    init(weights: [ObjectIdentifier: SharedWeight]) { self.weights = weights }

    var parameters: [(name: String, parameter: Parameter)] {
        weights.values.sorted { $0.name < $1.name }.map { (name: $0.name + ".codebook", parameter: $0.centroids) }
    }

    func transform(_ value: Tensor, operand: LinearOperand, of parameter: Parameter) -> Tensor {
        if operand == .weight, let w = weights[ObjectIdentifier(parameter)] {
            return codebookLookup(w.centroids.tensor, codes: w.codes, shape: w.shape)
        }
        return LowBitBertModel.fakeQuantizeEightBit(value, operand: operand)
    }
}
