import BertSlimSDK

/// `export:` — writes the current model as a model folder under the run's `exports/<name>`
/// (a Hugging Face folder for BERT models). Never reused from the stage cache: exports belong
/// to the run folder.
public struct ExportStage: Stage, Equatable {
    public static let type = "export"
    static let makesModel = false
    static let isCached = false

    public var name: String?
    /// Pruned (masked) weights written dense (``WeightMaskable/saveDense(to:)``): for BERT the
    /// Hugging Face folder transformers loads.
    public var dense = false
    public init() {}
    public static var keys: [SettingKey<ExportStage>] { [
        SettingKey("name", \.name, "folder name under exports/ (default: the stage's number and the model's origin)",
                   valid: { $0.map { !$0.isEmpty && !$0.contains("/") && $0 != ".." } ?? true ? nil : "must be a plain folder name" }),
        SettingKey("dense", \.dense, "true: a BERT with pruned weights is written dense (model.safetensors with zeros) instead of sparse"),
    ] }

    func run(_ plan: Void, in run: StageRun) throws -> StageRecord {
        let origin = run.state.models.last?.origin ?? "model"
        let folder = run.state.exportPrefix + (name ?? "\(run.index)-\(origin.split(separator: ".").last ?? "model")")
        let target = run.experiment.out.appendingPathComponent("exports/\(folder)").path
        try run.state.save(try run.currentModel(), to: target, dense: dense)
        run.emit(.note("[\(run.point)] exported \(target)"))
        var record = StageRecord(type: Self.type)
        record.export = "exports/\(folder)"
        return record
    }
}
