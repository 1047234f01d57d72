import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.magnitude-pruning", name: "Magnitude pruning", version: "1.0.0", license: "Apache-2.0",
    components: [
        .pruner(MagnitudePruner.self, name: MagnitudePruner.name,
                summary: "masks the Linear weights of smallest magnitude (Han et al. 2015); with a cubic schedule and fine-tuning, AGP (Zhu & Gupta 2017)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
