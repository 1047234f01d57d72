import BertSlimSDK

/// The plugin's definition: its identity and components (see `SDK/README.md`).
let plugin = PluginDefinition(
    id: "org.bertslim.sixteen-heads", name: "Sixteen Heads", version: "1.0.0", license: "Apache-2.0",
    components: [
        .pruner(SixteenHeadsPruner.self, name: "sixteen-heads",
                summary: "removes the attention heads with the least head-mask gradient (Michel et al. 2019)"),
    ])

/// The one symbol the host looks for.
@_cdecl("bertslim_plugin_entry")
public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
