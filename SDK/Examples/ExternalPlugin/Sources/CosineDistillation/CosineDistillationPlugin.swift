import BertSlimSDK

/// What this plugin provides.
let plugin = PluginDefinition(
    id: "org.example.cosine-distillation", name: "Cosine distillation", version: "1.0.0", license: "MIT",
    components: [
        .loss(CosineEmbeddingLoss.self, name: "cosine-embedding",
              summary: "1 − cos(student, teacher), averaged over the batch"),
        .pruner(WeightNormHeadsPruner.self, name: "weight-norm-heads",
                summary: "removes the attention heads whose output-projection columns have the smallest L2 norm"),
    ])

/// The plugin's one exported symbol.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
