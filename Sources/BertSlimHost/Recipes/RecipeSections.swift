import BertSlimSDK
import Foundation

/// `data:` — where the labelled examples are and how to read them.
public struct RecipeData: ComponentSettings, Equatable {
    /// How many examples of each split to use (the first N), for quick runs.
    public struct Limit: ComponentSettings, Equatable {
        public var train: Int?
        public var dev: Int?
        public var test: Int?
        public var unlabelled: Int?
        public init() {}
        public static var keys: [SettingKey<Limit>] { [
            SettingKey("train", \.train, "use only the first N training examples", valid: positive),
            SettingKey("dev", \.dev, "use only the first N dev examples", valid: positive),
            SettingKey("test", \.test, "use only the first N test examples", valid: positive),
            SettingKey("unlabelled", \.unlabelled, "use only the first N unlabelled texts", valid: positive),
        ] }
    }

    /// Training file (TSV, CSV or JSONL), relative to the recipe's folder.
    public var train = ""
    /// Development file, evaluated after each training epoch.
    public var dev: String?
    /// Test file, for `evaluate: {split: test}`.
    public var test: String?
    /// Texts without labels (a label column, if any, is ignored), for a distill stage with
    /// `data: unlabelled`: TinyBERT's general distillation.
    public var unlabelled: String?
    public var textColumn = "text"
    public var pairColumn: String?
    public var labelColumn = "label"
    /// Longest input in tokens (special tokens included).
    public var maxLength = 64
    public var limit = Limit()
    /// The task's name in the run ledger (`bertslim runs list --task`); nil: ``taskName(trainFile:)``'s default.
    public var task: String?

    public init() {}

    /// The task runs on this data are filed under: `task`, else the name of the training
    /// file's folder (`assets/data/mr/train.tsv` → `mr`).
    /// - Parameter trainFile: the training file's resolved path (default: `train` as written).
    public func taskName(trainFile: String? = nil) -> String {
        if let task, !task.isEmpty { return task }
        let folder = (((trainFile ?? train) as NSString).deletingLastPathComponent as NSString).lastPathComponent
        return folder.isEmpty || folder == "." || folder == ".." ? "default" : folder
    }

    public static var keys: [SettingKey<RecipeData>] { [
        SettingKey("train", \.train, "training file (TSV, CSV or JSONL), relative to the recipe"),
        SettingKey("dev", \.dev, "development file, evaluated after every training epoch"),
        SettingKey("test", \.test, "test file, for evaluate stages with split: test"),
        SettingKey("unlabelled", \.unlabelled, "texts without labels (TSV, CSV or JSONL; labels ignored), for distill stages with data: unlabelled"),
        SettingKey("text_column", \.textColumn, "column holding the text"),
        SettingKey("pair_column", \.pairColumn, "column holding the second segment, for sentence pairs"),
        SettingKey("label_column", \.labelColumn, "column holding the label"),
        SettingKey("max_length", \.maxLength, "longest input in tokens", valid: { $0 >= 2 && $0 <= 4096 ? nil : "\($0) is not in 2...4096" }),
        SettingKey("limit", \.limit, "first N examples per split: {train: N, dev: N, test: N, unlabelled: N}"),
        SettingKey("task", \.task, "the task's name in the run ledger (default: the training file's folder name)"),
    ] }

    /// The data file of `split` (`train`, `dev` or `test`).
    public func file(_ split: DataSplit) -> String? {
        switch split {
        case .train: return train
        case .dev: return dev
        case .test: return test
        }
    }
}

/// A data split.
public enum DataSplit: String, Codable, CaseIterable, Sendable {
    case train, dev, test
}

/// `teacher:` — the model the recipe starts from.
public struct RecipeTeacher: ComponentSettings, Equatable {
    /// A Hugging Face model folder (config.json, model.safetensors, vocab.txt).
    public var model = ""
    /// Folder with vocab.txt, when not the model's.
    public var tokenizer: String?
    public init() {}
    public static var keys: [SettingKey<RecipeTeacher>] { [
        SettingKey("model", \.model, "Hugging Face model folder (config.json, model.safetensors, vocab.txt)"),
        SettingKey("tokenizer", \.tokenizer, "folder with vocab.txt (default: the model folder)"),
    ] }
}

/// A component a stage uses: its name and its settings block, which validation decodes with
/// the plugin's own settings type (`{component: hinton-kd, settings: {temperature: 4}}`).
public struct ComponentReference: ComponentSettings, Equatable {
    /// The component's name (`bertslim plugins list` shows them).
    public var component = ""
    /// A loss's weight in a distillation stage's sum.
    public var weight = Schedule.constant(1)
    /// A student read from a model folder instead of made by a component.
    public var model: String?
    /// The model as it was after the earlier stage with this id (a distill stage's student or teacher).
    public var stage: String?
    var settings = SettingsBlock()
    public init() {}
    public static var keys: [SettingKey<ComponentReference>] { [
        SettingKey("component", \.component, "the plugin component's name"),
        SettingKey("weight", \.weight, "losses: weight in the stage's sum (a number or a schedule)"),
        SettingKey("model", \.model, "students: a model folder to start from instead of a component"),
        SettingKey("stage", \.stage, "distill students and teachers: the model as it was after the earlier stage with this id"),
        SettingKey("settings", \.settings, "the component's own settings (see `bertslim plugins inspect`)"),
    ] }
}

/// A component's settings block while the recipe is read: which component's settings type
/// decodes it is known only once plugins are loaded, so the block keeps where it is (its key
/// path, from the decoder) and validation decodes it there, once (``ResolvedComponent``).
struct SettingsBlock: Decodable, Equatable, SettingValueDescribable {
    static var settingTypeName: String { "block" }
    /// `stages[1].distill.losses[0].settings`; nil when the reference has no settings block.
    private(set) var path: String?
    init() {}
    init(from decoder: Decoder) throws { path = SettingsError.render(decoder.codingPath) }
}

/// A block the recipe's own decoding skips (the sweep, read from the document).
struct OpaqueBlock: Decodable, Equatable, SettingValueDescribable {
    static var settingTypeName: String { "block" }
    init() {}
    init(from decoder: Decoder) throws {}
}

func positive(_ value: Int?) -> String? {
    guard let value else { return nil }
    return value >= 1 ? nil : "\(value) must be at least 1"
}
