import BertSlimSDK

/// Q-BERT (Shen et al. 2019, Q-BERT: Hessian Based Ultra Low Precision Quantization of BERT):
/// group-wise uniform quantization of every encoder Linear weight to 2, 3, 4 or 8 bits, with
/// 8-bit activations and embeddings, and optionally mixed precision from the Hessian.
///
/// Groups are blocks of rows sharing a range: for query, key, value and the attention output,
/// `heads · groups_per_head` blocks (a head's rows of Q, K and V; the output's rows in as many
/// equal blocks); for the FFN's two matrices `groups` blocks; `granularity: row` gives every row
/// its own range (the finest grouping), `granularity: tensor` one per matrix (the paper's
/// ablation). Quantization-aware fine-tuning (the quantize stage with `epochs`) trains through
/// fake quantization with the ranges of the current weights and straight-through gradients;
/// activations are fake-quantized to 8 bits with each batch's max|x|, as the converted model
/// quantizes them.
///
/// With `mixed:`, calibration measures each encoder layer's top Hessian eigenvalue on random
/// subsets of the calibration batches and chooses every layer's bits (``BitAllocation``).
final class QBERTQuantizer: Quantizer {
    static let name = "q-bert"
    static let modelName = "q-bert-lowbit"

    enum Granularity: String, Decodable, CaseIterable { case group, row, tensor }

    /// Hessian-guided bit allocation.
    struct MixedPrecision: ComponentSettings, Equatable {
        var bits = [2, 3, 4, 8]
        var sizeBudget: Double = 3
        var subsets = 3
        var batches = 2
        var iterations = 20
        var tolerance: Double = 1e-3
        static var keys: [SettingKey<MixedPrecision>] { [
            SettingKey("bits", \.bits, "the widths a layer may get",
                       valid: { b in b.isEmpty ? "list at least one width"
                                : b.first(where: { !LowBitSpec.supportedBits.contains($0) }).map { "\($0) is not one of 2, 3, 4, 8" } }),
            SettingKey("size_budget", \.sizeBudget, "average bits per encoder weight the layers may use together (3: the size of uniform 3 bits)",
                       valid: { $0 > 0 && $0 <= 8 ? nil : "\($0) is not in (0, 8]" }),
            SettingKey("subsets", \.subsets, "random subsets of the calibration batches the eigenvalues are measured on",
                       valid: { (1...100).contains($0) ? nil : "\($0) is not in 1...100" }),
            SettingKey("batches", \.batches, "calibration batches in each subset",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000" }),
            SettingKey("iterations", \.iterations, "the cap on power iterations per eigenvalue",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000" }),
            SettingKey("tolerance", \.tolerance, "relative change of the eigenvalue that ends the power iteration",
                       valid: { $0 > 0 && $0 < 1 ? nil : "\($0) is not in (0, 1)" }),
        ] }

        func conflict() -> (key: String, reason: String)? {
            let smallest = bits.min() ?? 0
            return sizeBudget < Double(smallest)
                ? ("size_budget", "\(sizeBudget) bits per weight is less than the smallest allocation (every layer at \(smallest) bits)") : nil
        }
    }

    struct Settings: ModelCheckedSettings {
        var bits = 4
        var scheme = LowBitSpec.Scheme.asymmetric
        var granularity = Granularity.group
        var groupsPerHead = 1
        var groups = 12
        var mixed: MixedPrecision?
        static var keys: [SettingKey<Settings>] { [
            SettingKey("bits", \.bits, "bits per encoder weight (2, 3, 4 or 8) when not mixed",
                       valid: { LowBitSpec.supportedBits.contains($0) ? nil : "\($0) is not one of 2, 3, 4, 8" }),
            SettingKey("scheme", \.scheme, "asymmetric (a zero point per group, all 2^b levels) or symmetric",
                       valid: { $0 == .codebook ? "codebook is the kmeans quantizer's; use asymmetric or symmetric" : nil }),
            SettingKey("granularity", \.granularity, "group (the row blocks below, Q-BERT), row (one range per row) or tensor (one per matrix)"),
            SettingKey("groups_per_head", \.groupsPerHead, "row blocks per head in query, key, value and attention output",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("groups", \.groups, "row blocks of each FFN matrix",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("mixed", \.mixed, "Hessian-guided mixed precision (replaces bits): {bits: [2, 3, 4, 8], size_budget: 3, …}"),
        ] }

        func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
            guard granularity == .group, let model = context.stageModel, let hidden = model.hiddenSize,
                  let heads = model.attentionHeads else { return nil }
            let attention = heads * groupsPerHead
            if hidden % attention != 0 {
                return ("groups_per_head", "\(heads) heads × \(groupsPerHead) = \(attention) groups do not divide the \(hidden) rows of \(model.name)'s attention matrices")
            }
            for rows in [hidden] + (model.intermediateSize.map { [$0] } ?? []) where rows % groups != 0 {
                return ("groups", "\(groups) groups do not divide the \(rows) rows of an FFN matrix of \(model.name)")
            }
            return nil
        }
    }

    let settings: Settings
    /// The bits of each encoder layer once known (uniform: at prepare; mixed: after calibration).
    private(set) var layerBits: [Int] = []
    /// What the bit allocation measured, for the folder's `quantization` block.
    private var allocation: BitAllocation?

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    /// The spec of encoder Linear layer `name` (`encoder.layer.L.…`, `rows` output rows, in a
    /// layer of `heads` heads) at `bits`.
    func spec(_ name: String, rows: Int, heads: Int, bits: Int) -> LowBitSpec {
        let attention = name.contains(".attention.")
        let groups: Int
        switch settings.granularity {
        case .group: groups = attention ? heads * settings.groupsPerHead : settings.groups
        case .row: groups = rows
        case .tensor: groups = 1
        }
        return LowBitSpec(bits: bits, groups: groups, scheme: settings.scheme)
    }

    /// Every encoder Linear layer's spec, by its weight parameter.
    func specs(_ bert: BertModel) throws -> [ObjectIdentifier: (name: String, spec: LowBitSpec)] {
        var out: [ObjectIdentifier: (name: String, spec: LowBitSpec)] = [:]
        for (l, layer) in bert.layers.enumerated() {
            let weights = [layer.query, layer.key, layer.value, layer.attentionOutput, layer.intermediate, layer.output]
            for (name, w) in zip(LowBitBertModel.encoderLinearNames(layer: l), weights) {
                let spec = spec(name, rows: w.shape[0], heads: layer.heads, bits: layerBits[l])
                try spec.validate(rows: w.shape[0], name: name)
                out[ObjectIdentifier(w)] = (name, spec)
            }
        }
        return out
    }

    private func encoder(_ model: any Model) throws -> BertModel { try quantizableEncoder(of: model, component: Self.name) }

    /// Uniform bits: installs fake quantization for quantization-aware training at once.
    func prepare(_ model: any Model) throws {
        let bert = try encoder(model)
        guard settings.mixed == nil else { return }
        layerBits = Array(repeating: settings.bits, count: bert.layers.count)
        bert.linearTransform = GroupwiseFakeQuant(specs: try specs(bert))
    }

    /// Mixed precision: measures the Hessian spectrum on the float model, allocates bits, then
    /// installs fake quantization.
    func calibrate(_ model: any Model, batches: [Batch]) throws {
        guard let mixed = settings.mixed else { return }
        let bert = try encoder(model)
        guard !batches.isEmpty else {
            throw ComponentError(Self.name, "mixed precision measures the Hessian on calibration batches: set calibration_batches ≥ \(mixed.batches)")
        }
        // The subsets are drawn with a fixed seed: the allocation depends on the model and the
        // calibration batches alone.
        let result = try BitAllocation(model: model, bert: bert, batches: batches, settings: mixed, seed: 0) { name, w, heads, bits in
            fakeQuantizeGroupwise(w, spec: self.spec(name, rows: w.shape[0], heads: heads, bits: bits))
        }
        allocation = result
        layerBits = result.bits
        bert.linearTransform = GroupwiseFakeQuant(specs: try specs(bert))
    }

    func convert(_ model: any Model) throws -> any Model {
        let bert = try encoder(model)
        guard let transform = bert.linearTransform as? GroupwiseFakeQuant else {
            throw ComponentError(Self.name, "convert called before prepare and calibrate")
        }
        bert.linearTransform = nil
        let byName = Dictionary(uniqueKeysWithValues: transform.specs.values.map { ($0.name, $0.spec) })
        var details: [String: Any] = ["method": Self.name, "layer_bits": layerBits]
        if let allocation { details["bit_allocation"] = allocation.record }
        return try LowBitBertModel(converting: bert, component: Self.modelName, details: details) { name, w in
            try quantizeGroupwise(w, spec: byName[name]!)
        }
    }
}

/// Q-BERT's fake quantization on a BERT's Linear hook: each encoder weight group-wise at its
/// layer's bits with the ranges of the weight itself, the pooler and classifier at 8 bits per
/// row, the embedding tables and every Linear input at 8 bits (inputs with each batch's own
/// max|x|); straight-through gradients.
final class GroupwiseFakeQuant: LinearTransform {
    let specs: [ObjectIdentifier: (name: String, spec: LowBitSpec)]

    init(specs: [ObjectIdentifier: (name: String, spec: LowBitSpec)]) { self.specs = specs }

    func transform(_ value: Tensor, operand: LinearOperand, of parameter: Parameter) -> Tensor {
        if operand == .weight, let spec = specs[ObjectIdentifier(parameter)]?.spec { return fakeQuantizeGroupwise(value, spec: spec) }
        return LowBitBertModel.fakeQuantizeEightBit(value, operand: operand)
    }
}
