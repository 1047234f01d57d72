import BertSlimSDK

/// How a ``BertStudent`` is shaped and initialised. Every size defaults to the teacher's,
/// except the depth, which defaults to half of it (rounded up).
struct BertStudentSettings: ModelCheckedSettings, ModelDescribingSettings {
    /// How the student's weights start.
    enum Initialization: String, Decodable, CaseIterable {
        /// Copy embeddings, pooler, head and the mapped layers wherever the shapes match.
        case teacher
        /// N(0, 0.02²) everywhere (BERT's initializer), seeded.
        case random
        /// Copy what fits from the BERT in `pretrained` (a checkpoint before fine-tuning), the
        /// classification head from BERT's initializer: a born-again student (Furlanello et al.
        /// 2018; Clark et al. 2019) starts where its teacher started.
        case pretrained
    }

    var layers: Int?
    var hiddenSize: Int?
    var heads: Int?
    var ffn: Int?
    var layerMap: [Int]?
    var initialization = Initialization.teacher
    var pretrained: String?

    static var keys: [SettingKey<BertStudentSettings>] { [
        SettingKey(FirstPartyComponents.BertStudent.layersKey, \.layers, "encoder layers (default: half the teacher's, rounded up)",
                   valid: { $0.map { (1...48).contains($0) } ?? true ? nil : "\($0!) is not in 1...48" }),
        SettingKey("hidden_size", \.hiddenSize, "hidden width (default: the teacher's; another width means random weights)",
                   valid: { $0.map { (1...8192).contains($0) } ?? true ? nil : "\($0!) is not in 1...8192" }),
        SettingKey("heads", \.heads, "attention heads per layer (default: the teacher's); must divide hidden_size",
                   valid: { $0.map { (1...256).contains($0) } ?? true ? nil : "\($0!) is not in 1...256" }),
        SettingKey("ffn", \.ffn, "feed-forward width (default: the teacher's)",
                   valid: { $0.map { (1...65536).contains($0) } ?? true ? nil : "\($0!) is not in 1...65536" }),
        SettingKey("layer_map", \.layerMap,
                   "teacher layer (0-based) each student layer starts from (default: every other, DistilBERT-style: 6 → [0, 2, 4])"),
        SettingKey("initialization", \.initialization,
                   "teacher: copy what fits from the teacher; random: BERT's initializer; pretrained: copy from the `pretrained` folder"),
        SettingKey("pretrained", \.pretrained, "initialization: pretrained: a BERT folder (relative to the recipe) to start from; a vocabulary other than the teacher's is matched to it token by token"),
    ] }

    func conflict() -> (key: String, reason: String)? {
        if let hidden = hiddenSize, let heads, hidden % heads != 0 {
            return ("heads", "\(heads) heads do not divide hidden_size \(hidden)")
        }
        if let layers, let map = layerMap, map.count != layers {
            return ("layer_map", "has \(map.count) entries for \(layers) layers")
        }
        if initialization == .pretrained && pretrained == nil {
            return ("pretrained", "initialization: pretrained needs a BERT folder to start from")
        }
        if initialization != .pretrained && pretrained != nil {
            return ("pretrained", "is read only with initialization: pretrained (it is \(initialization.rawValue))")
        }
        return nil
    }
}
