import BertSlimSDK

/// The settings of the `pkd` loss. Defaults: T = 5, α = 0.5, β = 100, `strategy: skip`,
/// `reduction: mean` — α and β as in the paper's grid (α ∈ {0.2, 0.5, 0.7}, β ∈ {10, 100, 500,
/// 1000}), T its smallest grid value (T ∈ {5, 10, 20}).
struct PKDSettings: ModelCheckedSettings {
    /// How the patient term is summed over layers and hidden units.
    enum Reduction: String, Decodable, CaseIterable, Equatable {
        /// The mean over the batch, the matched layers and the hidden units: the authors'
        /// released code (`F.mse_loss` of the normalised states), with which the paper's β grid
        /// was searched. Equals `sum` divided by (M − 1)·H.
        case mean
        /// The formula as printed: Σᵢ ‖h̃ₛ,ᵢ − h̃ₜ,I(i)‖², averaged over the batch.
        case sum
    }

    typealias Contract = FirstPartyComponents.PKD
    typealias KD = FirstPartyComponents.HintonKD

    var temperature = Schedule.constant(5)
    var alpha = Schedule.constant(0.5)
    var beta = Schedule.constant(100)
    var strategy = PatientLayerMap.Strategy.skip
    var layerMap: [Int]?
    var reduction = Reduction.mean

    static var keys: [SettingKey<PKDSettings>] { [
        SettingKey(KD.temperatureKey, \.temperature, "softmax temperature T of the KD term (> 0): a number or a schedule over the stage",
                   valid: { $0.range.lowerBound > 0 ? nil : "\($0) must stay above 0" }),
        SettingKey(KD.alphaKey, \.alpha, "weight α of the soft-target term (0...1); 1 − α goes to cross-entropy on the labels",
                   valid: { (0...1).contains($0.range.lowerBound) && (0...1).contains($0.range.upperBound) ? nil : "\($0) is not in 0...1" }),
        SettingKey(Contract.betaKey, \.beta, "weight β of the patient term (≥ 0): a number or a schedule",
                   valid: { $0.range.lowerBound >= 0 ? nil : "\($0) must not be negative" }),
        SettingKey(Contract.strategyKey, \.strategy,
                   "skip: student layer j learns from teacher layer j·N/M; last: from the teacher's top layers but its last"),
        SettingKey("layer_map", \.layerMap,
                   "replaces the strategy: the teacher layer (0-based, encoder.layer.N) of each student layer but the last"),
        SettingKey("reduction", \.reduction, "mean: over layers and hidden units (the authors' code, the paper's β); sum: Σ over layers of ‖·‖²"),
    ] }

    func conflict() -> (key: String, reason: String)? {
        if let map = layerMap {
            if strategy != .skip { return ("layer_map", "replaces the strategy; set either strategy: \(strategy.rawValue) or layer_map") }
            if let bad = map.first(where: { $0 < 0 }) { return ("layer_map", "\(bad) is not a layer number (0-based)") }
        }
        return nil
    }

    /// The layer map against the teacher's and the student's depths, as validation knows them.
    func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
        PatientLayerMap.problem(layerMap, strategy: strategy, teacherLayers: context.teacher?.layerCount,
                                studentLayers: context.student?.layerCount, teacher: context.teacher?.name ?? "teacher")
    }
}
