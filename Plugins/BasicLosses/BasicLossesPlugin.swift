import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.basic-losses", name: "Basic losses", version: "1.0.0", license: "Apache-2.0",
    components: [
        .loss(MSELogitsLoss.self, name: "mse-logits",
              summary: "mean squared error between student and teacher logits (Tang et al. 2019)"),
        .loss(CrossEntropyLoss.self, name: "cross-entropy",
              summary: "cross-entropy of the student's logits against the labels, optional label smoothing"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
