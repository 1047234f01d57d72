/// The capabilities BERT offers the host and plugins.
extension BertModel: Classifier, HiddenStatesProvider, Quantizable, BertEncoderProviding {
    public var hasClassifier: Bool { classifierWeight != nil }

    public var layerCount: Int { layers.count }
    public var hiddenSize: Int { config.hiddenSize }
    public var attentionHeads: [Int] { layers.map(\.heads) }
    public var availableOutputs: OutputRequest { .all }

    public var bertEncoder: BertModel { self }
}
