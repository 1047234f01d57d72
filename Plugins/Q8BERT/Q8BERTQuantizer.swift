import BertSlimSDK

/// Q8BERT: symmetric linear int8 quantization of BERT's Linear layers and embeddings
/// (Zafrir et al. 2019, Q8BERT: Quantized 8Bit BERT).
///
/// A value x is stored as `q = clamp(round(x·S), ±127)` with `S = 127 / max|x|`. Weights take
/// S from their own max (per tensor, or per output row with `per_channel`); activations
/// from an observed range. Three modes:
/// - `qat`: quantization-aware training. ``prepare(_:)`` installs fake quantization (STE
///   backward) and EMA observers (decay `ema_decay`) on every Linear input; calibration
///   batches give the float ranges the averages start from; the quantize stage then trains;
///   the ranges are frozen at conversion.
/// - `static`: post-training; the largest max|x| seen on calibration batches, in float.
/// - `dynamic`: post-training; each batch's inputs quantized with their own max|x|, as
///   PyTorch's `quantize_dynamic`.
/// ``convert(_:)`` returns an ``Int8BertModel``: int8 weights on disk, int8 oneDNN GEMMs.
final class Q8BERTQuantizer: Quantizer {
    enum Mode: String, Decodable, CaseIterable { case qat, `static`, dynamic }

    struct Settings: ComponentSettings {
        var mode = Mode.qat
        var perChannel = false
        var emaDecay: Float = 0.9999
        var range = RangeRule.ema
        static var keys: [SettingKey<Settings>] { [
            SettingKey(FirstPartyComponents.Q8BERT.modeKey, \.mode, "qat (fake-quant training), static (calibrated ranges) or dynamic (per-batch ranges)"),
            SettingKey("per_channel", \.perChannel, "one weight scale per output row instead of one per tensor"),
            SettingKey("ema_decay", \.emaDecay, "decay of the moving average of activation max|x| (Q8BERT: 0.9999)",
                       valid: { $0 > 0 && $0 < 1 ? nil : "\($0) is not in (0, 1)" }),
            SettingKey("range", \.range, "qat: how training batches fold into an activation range, ema or max (calibration takes the max)"),
        ] }
    }

    let settings: Settings
    /// The fake-quantization hook installed by ``prepare(_:)`` (qat, static).
    private(set) var transform: FakeQuantTransform?

    init(settings: Settings, context: ComponentContext) { self.settings = settings }

    private func encoder(_ model: any Model) throws -> BertModel { try quantizableEncoder(of: model, component: FirstPartyComponents.Q8BERT.quantizer) }

    func prepare(_ model: any Model) throws {
        let bert = try encoder(model)
        switch settings.mode {
        case .qat:
            transform = FakeQuantTransform(rule: settings.range, decay: settings.emaDecay, perChannel: settings.perChannel,
                                           observing: .whileTraining, quantizeActivations: true, quantizeWeights: true)
        case .static:
            transform = FakeQuantTransform(rule: .max, decay: settings.emaDecay, perChannel: settings.perChannel,
                                           observing: .never, quantizeActivations: false, quantizeWeights: false)
        case .dynamic:
            transform = nil
        }
        transform?.register(bert)
        bert.linearTransform = transform
    }

    /// Observes the float model's activation ranges on `batches` (no dropout, nothing
    /// fake-quantized, the max over batches). Static quantization keeps them; QAT's moving
    /// averages start from them instead of from the first training batch, which has dropout
    /// on and, with decay 0.9999, would fix the ranges for the whole run.
    func calibrate(_ model: any Model, batches: [Batch]) throws {
        guard let transform else { return }
        transform.calibrating = true
        defer { transform.calibrating = false }
        try withoutGradient {
            for batch in batches { _ = try model.forward(batch, request: [], training: false) }
        }
    }

    func convert(_ model: any Model) throws -> any Model {
        let bert = try encoder(model)
        let observers = transform
        bert.linearTransform = nil
        if settings.mode != .dynamic && observers == nil {
            throw ComponentError("q8bert", "convert called before prepare (mode \(settings.mode.rawValue) needs observed ranges)")
        }
        let ranges: ((Parameter) -> Float?)? = settings.mode == .dynamic ? nil : { observers?.observers[ObjectIdentifier($0)]?.scale }
        return try Int8BertModel(converting: bert, perChannel: settings.perChannel, inputScale: ranges)
    }
}
