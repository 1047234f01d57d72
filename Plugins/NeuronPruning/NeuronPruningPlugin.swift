import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.neuron-pruning", name: "FFN neuron pruning", version: "1.0.0", license: "Apache-2.0",
    components: [
        .pruner(FFNNeuronsPruner.self, name: FFNNeuronsPruner.name,
                summary: "removes the feed-forward neurons with the lowest weight-norm or Taylor score, rows and columns alike"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
