import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.tinybert", name: "TinyBERT", version: "1.0.0", license: "Apache-2.0",
    components: [
        .loss(TinyBERTLoss.self, name: TinyBERTLoss.name,
              summary: "TinyBERT's layer-wise loss: embeddings and hidden states through learned projections, attention scores, soft targets (Jiao et al. 2019)"),
        .augmenter(TinyBERTAugmenter.self, name: TinyBERTAugmenter.name,
                   summary: "TinyBERT's word replacement (p_t, N_a copies), with teacher-embedding neighbours standing in for BERT-MLM and GloVe candidates"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
