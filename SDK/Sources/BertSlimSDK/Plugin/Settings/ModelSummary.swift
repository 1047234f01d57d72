internal import Foundation

/// What validation knows of a model before any model is loaded or built: read from a model
/// folder's `config.json` (``init(folder:)``), or foretold by a student's settings
/// (``ModelDescribingSettings``). A field is nil when it is not known — a folder a plugin's
/// model wrote, a student whose settings do not say — and checks skip what they cannot see.
///
/// Components read it through ``SettingsCheckContext`` to check settings that depend on the
/// models of their stage (a layer map against the teacher's depth) when a recipe is validated,
/// not hours into a run (SDK 1.2).
public struct ModelSummary: Equatable, Sendable {
    /// How messages name the model: its folder as the recipe wrote it, or a component.
    public var name: String
    /// Encoder layers.
    public var layerCount: Int?
    /// Width of every hidden state.
    public var hiddenSize: Int?
    /// Attention heads per layer (before any pruning).
    public var attentionHeads: Int?
    /// Class names in logit order; empty for a model without a classification head.
    public var labels: [String]?
    /// Rows of the token embedding table.
    public var vocabularySize: Int?
    /// Width of every layer's FFN; nil when unknown or when layers differ (neuron pruning).
    public var intermediateSize: Int?
    /// The internals its forward pass can return (``HiddenStatesProvider/availableOutputs``).
    public var availableOutputs: OutputRequest?
    /// Its parameters' names (what a stage's `select:` may match); nil when unknown.
    public var parameterNames: [String]?

    /// A summary from its parts; what is not given is unknown.
    public init(name: String, layerCount: Int? = nil, hiddenSize: Int? = nil, attentionHeads: Int? = nil,
                labels: [String]? = nil, vocabularySize: Int? = nil, availableOutputs: OutputRequest? = nil) {
        self.name = name
        self.layerCount = layerCount
        self.hiddenSize = hiddenSize
        self.attentionHeads = attentionHeads
        self.labels = labels
        self.vocabularySize = vocabularySize
        self.availableOutputs = availableOutputs
    }

    /// Reads the model folder `folder` (named `name` in messages): a BERT folder's
    /// `config.json` gives every field; a folder whose `config.json` names a plugin's model
    /// (``ModelFolderContract/componentKey``) gives the name alone.
    /// - Throws: `BertError` naming the file when `config.json` is missing or unreadable.
    public init(folder: String, name: String? = nil) throws {
        let file = (folder as NSString).appendingPathComponent("config.json")
        self.init(name: name ?? folder)
        if let data = try? RegularFile.contents(of: file, limit: BertConfig.fileSizeLimit),
           let object = (try? JSONSerialization.jsonObject(with: Data(data))) as? [String: Any],
           object[ModelFolderContract.componentKey] != nil {
            return
        }
        let config = try BertConfig(path: file)
        layerCount = config.numHiddenLayers
        hiddenSize = config.hiddenSize
        attentionHeads = config.numAttentionHeads
        labels = config.labels
        vocabularySize = config.vocabSize
        intermediateSize = config.intermediateSizes == nil ? config.intermediateSize : nil
        availableOutputs = .all
        parameterNames = BertModel.parameterNames(config: config)
    }
}
