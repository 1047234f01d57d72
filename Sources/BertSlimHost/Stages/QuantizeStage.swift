import BertSlimSDK

/// `quantize:` — prepares and calibrates the current model with a quantizer, optionally
/// trains it (quantization-aware training: set `epochs` ≥ 1 and the other training keys, as in
/// `finetune`; a model without a classification head gets one first, as Q8BERT fine-tunes from
/// the pretrained encoder), and converts it.
public struct QuantizeStage: Stage, Equatable {
    public static let type = "quantize"
    static let makesModel = true

    public var quantizer = ComponentReference()
    public var select = ParameterSelector()
    public var calibrationBatches = 8
    /// Training between calibrate and convert; none unless the recipe sets `epochs`.
    public var training: TrainingBlock = {
        var block = TrainingBlock()
        block.settings.epochs = 0
        return block
    }()
    public init() {}
    public static var keys: [SettingKey<QuantizeStage>] {
        [SettingKey("quantizer", \.quantizer, "{component: name, settings: {…}}"),
         SettingKey("select", \.select, "which parameters: {names: [name or re:pattern, …], exclude: […]}"),
         SettingKey("calibration_batches", \.calibrationBatches, "training batches for calibration",
                    valid: { $0 >= 0 ? nil : "\($0) must not be negative" })]
            + TrainingBlock.trainingKeys(\.training).map { key in
                key.name != "epochs" ? key : SettingKey("epochs", \.training.settings.epochs,
                                                        "passes of quantization-aware training (0, the default: none)",
                                                        valid: { (0...1000).contains($0) ? nil : "\($0) is not in 0...1000" })
            }
    }

    func plan(_ check: StageCheck) throws -> ResolvedComponent {
        try check.rejectKeys(["model", "weight"], at: "quantizer", known: ["component", "settings"])
        let resolved = try check.resolve(quantizer, kind: .quantizer, key: "quantizer")
        try check.checkModels(resolved, in: check.settingsContext())
        return resolved
    }

    func run(_ quantizer: ResolvedComponent, in run: StageRun) throws -> StageRecord {
        let model = try run.currentModel()
        let component = try quantizer.make(as: (any Quantizer).self, context: run.componentContext(selecting: select))
        var classifier: (any Classifier)?
        if training.settings.epochs > 0 {
            classifier = try run.currentModel(as: (any Classifier).self, for: "quantization-aware training")
            if classifier?.hasClassifier == false { classifier?.addClassifier(labels: run.data.labels.names, seed: run.recipe.seed) }
        }
        try component.prepare(model)
        try component.calibrate(model, batches: try run.calibrationBatches(calibrationBatches))
        let (losses, epochs) = try classifier.map { try run.trainClassifier($0, block: training) } ?? ([], [])
        let converted = try component.convert(model)
        var result = try run.made(converted, losses: losses, epochs: epochs)
        result.summary = (converted as? CustomStringConvertible)?.description
        return StageRecord(type: Self.type, model: result)
    }
}
